import NIOCore
import NIOEmbedded
import Testing

@testable import Collector

/// The decoder read by read, as the socket hands it over: what a test over TCP cannot choose.
@Suite("Line batch decoder")
struct LineBatchDecoderTests {
    func channel(limit: Int) throws -> EmbeddedChannel {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(
            ByteToMessageHandler(LineBatchDecoder(maximumLineLength: limit, clock: { 1_800_000_000 })))
        return channel
    }

    func read(_ channel: EmbeddedChannel, _ bytes: [UInt8]) throws {
        try channel.writeInbound(channel.allocator.buffer(bytes: bytes))
    }

    @Test("a line over the limit received over several reads: the oversized line keeps its first bytes, from the first read on")
    func oversizedLineInPieces() throws {
        let channel = try channel(limit: 1_000)
        let head = Array(#"{"class":"x","pad":""#.utf8)
        try read(channel, Array(#"{"class":"before"}"#.utf8) + [0x0A] + head + Array(repeating: UInt8(ascii: "B"), count: 600))
        let before = try #require(try channel.readInbound(as: LineBatch.self))
        #expect(before.lines == [Array(#"{"class":"before"}"#.utf8)])
        #expect(throws: OversizedLineError.self) {
            try read(channel, Array(repeating: UInt8(ascii: "B"), count: 600))
        }
        _ = try? channel.finish()
    }

    @Test("the oversized line's prefix and size count the bytes of every read")
    func oversizedPrefixAcrossReads() throws {
        let channel = try channel(limit: 1_000)
        let head = Array(#"{"class":"x","pad":""#.utf8)
        try read(channel, head + Array(repeating: UInt8(ascii: "B"), count: 600))
        #expect(try channel.readInbound(as: LineBatch.self) == nil)
        do {
            try read(channel, Array(repeating: UInt8(ascii: "B"), count: 600))
            Issue.record("no error for a line over the limit")
        } catch let error as OversizedLineError {
            #expect(error.limit == 1_000)
            #expect(error.byteCount > 1_000)
            #expect(error.prefix.count == LineBatchDecoder.oversizedPrefixLength)
            #expect(error.prefix.starts(with: head + Array(repeating: UInt8(ascii: "B"), count: 600)))
        }
        _ = try? channel.finish()
    }
}
