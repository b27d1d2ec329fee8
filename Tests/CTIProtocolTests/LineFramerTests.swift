import Testing
@testable import CTIProtocol

@Suite("Line framing")
struct LineFramerTests {
    private func drain(_ framer: inout LineFramer) throws -> [String] {
        var lines: [String] = []
        while let line = try framer.nextLine() {
            lines.append(String(decoding: line, as: UTF8.self))
        }
        return lines
    }

    private let stream = Array((
        #"{"class":"getlist","function":"listid","listname":"users","list":["11","12"]}"# + "\n" +
        #"{"class":"keepalive","replyid":4,"warning_string":"unimplemented"}"# + "\r\n" +
        #"{"class":"getipbxlist","ipbxlist":["xivo"],"name":"Num\u00e9ro é"}"# + "\n"
    ).utf8)

    private var expected: [String] {
        [
            #"{"class":"getlist","function":"listid","listname":"users","list":["11","12"]}"#,
            #"{"class":"keepalive","replyid":4,"warning_string":"unimplemented"}"#,
            #"{"class":"getipbxlist","ipbxlist":["xivo"],"name":"Num\u00e9ro é"}"#,
        ]
    }

    @Test func splitAtEveryBytePosition() throws {
        for split in 0...stream.count {
            var framer = LineFramer()
            framer.append(Array(stream[..<split]))
            var lines = try drain(&framer)
            framer.append(Array(stream[split...]))
            lines += try drain(&framer)
            #expect(lines == expected, "split at \(split)")
            #expect(framer.pendingByteCount == 0)
        }
    }

    @Test func splitAtEveryPairOfPositions() throws {
        // Three pieces, every combination: catches state kept wrongly between two partial reads.
        for a in stride(from: 0, through: stream.count, by: 3) {
            for b in a...stream.count {
                var framer = LineFramer()
                var lines: [String] = []
                for piece in [stream[..<a], stream[a..<b], stream[b...]] {
                    framer.append(Array(piece))
                    lines += try drain(&framer)
                }
                #expect(lines == expected, "split at \(a), \(b)")
            }
        }
    }

    @Test func oneByteAtATime() throws {
        var framer = LineFramer()
        var lines: [String] = []
        for byte in stream {
            framer.append([byte])
            lines += try drain(&framer)
        }
        #expect(lines == expected)
    }

    @Test func manyMessagesInOneRead() throws {
        var chunk: [UInt8] = []
        for i in 0..<1000 { chunk += Array(#"{"class":"keepalive","replyid":\#(i)}"#.utf8) + [0x0A] }
        var framer = LineFramer()
        framer.append(chunk)
        var count = 0
        while let line = try framer.nextLine() {
            let message = try ServerMessage.decode(line)
            #expect(message.kind == .keepalive(replyID: count))
            count += 1
        }
        #expect(count == 1000)
        #expect(framer.bufferedByteCount == 0)
    }

    @Test func carriageReturnsAndBlankLines() throws {
        var framer = LineFramer()
        framer.append(Array("a\r\n\n\r\nb\rc\r\r\nd".utf8))
        #expect(try drain(&framer) == ["a", "", "", "b\rc\r"])
        // The unterminated "d" stays buffered until its newline arrives.
        #expect(framer.pendingByteCount == 1)
        framer.append(Array("\r".utf8))
        #expect(try framer.nextLine() == nil)
        framer.append(Array("\n".utf8))
        #expect(try drain(&framer) == ["d"])
    }

    @Test func zeroCopyAccessParsesInPlace() throws {
        var framer = LineFramer()
        framer.append(Array(#"{"class":"getipbxlist","ipbxlist":["xivo"]}"#.utf8 + [0x0A]))
        let kind = try framer.nextLine { raw in try? ServerMessage.decode(raw).kind }
        #expect(kind == .some(.some(.ipbxList(["xivo"]))))
        #expect(try framer.nextLine { _ in 1 } == nil)
    }

    @Test func lineOfExactlyTheLimitIsAccepted() throws {
        var framer = LineFramer(maximumLineLength: 10)
        framer.append(Array("0123456789\r\n0123456789\n".utf8))
        #expect(try drain(&framer) == ["0123456789", "0123456789"])
        framer.append(Array("01234567890\n".utf8))
        #expect(throws: FramingError.lineTooLong(limit: 10)) { try framer.nextLine() }
    }

    @Test func fiveMebibyteLineFailsEarlyWithBoundedMemory() throws {
        let limit = LineFramer.defaultMaximumLineLength
        var framer = LineFramer()
        #expect(framer.maximumLineLength == 4 * 1024 * 1024)
        framer.append(Array("{\"class\":\"keepalive\"}\n".utf8))
        let chunk = [UInt8](repeating: UInt8(ascii: "x"), count: 64 * 1024)
        var appended = 0
        var thrown: FramingError?
        var linesBefore: [String] = []
        // Feed 5 MiB without a newline, reading after every chunk as a socket loop would.
        while appended < 5 * 1024 * 1024 {
            framer.append(chunk)
            appended += chunk.count
            #expect(framer.bufferedByteCount <= limit + 2 + 64)
            do {
                while let line = try framer.nextLine() { linesBefore.append(String(decoding: line, as: UTF8.self)) }
            } catch {
                thrown = error
                break
            }
        }
        #expect(linesBefore == ["{\"class\":\"keepalive\"}"])
        #expect(thrown == .lineTooLong(limit: limit))
        // It failed as soon as the partial line passed the limit, not after buffering it all.
        #expect(appended <= limit + chunk.count * 2)
        // Failure is sticky, and later input is not buffered.
        framer.append(chunk)
        #expect(framer.bufferedByteCount <= limit + 2 + 64)
        #expect(throws: FramingError.lineTooLong(limit: limit)) { try framer.nextLine() }
        framer.reset()
        framer.append(Array("ok\n".utf8))
        #expect(try drain(&framer) == ["ok"])
    }

    @Test func overlongLineInsideOneReadComesAfterTheLinesBeforeIt() throws {
        var framer = LineFramer(maximumLineLength: 1000)
        var chunk = Array("first\nsecond\n".utf8)
        chunk += [UInt8](repeating: UInt8(ascii: "y"), count: 50_000)
        chunk += Array("\nafter\n".utf8)
        framer.append(chunk)
        #expect(try framer.nextLine().map { String(decoding: $0, as: UTF8.self) } == "first")
        #expect(try framer.nextLine().map { String(decoding: $0, as: UTF8.self) } == "second")
        #expect(throws: FramingError.lineTooLong(limit: 1000)) { try framer.nextLine() }
        #expect(throws: FramingError.lineTooLong(limit: 1000)) { try framer.nextLine() }
    }

    @Test func overlongTailInTheSameReadIsNotBufferedWhole() throws {
        var framer = LineFramer(maximumLineLength: 1000)
        var chunk = Array("first\n".utf8)
        chunk += [UInt8](repeating: UInt8(ascii: "z"), count: 1_000_000)
        framer.append(chunk)
        #expect(framer.bufferedByteCount <= 6 + 1002)
        #expect(try framer.nextLine().map { String(decoding: $0, as: UTF8.self) } == "first")
        #expect(throws: FramingError.lineTooLong(limit: 1000)) { try framer.nextLine() }
    }

    @Test func memoryStaysBoundedOverALongStream() throws {
        var framer = LineFramer()
        let line = Array(#"{"class":"getqueuesstats","stats":{"3":{"Xivo-WaitingCalls":2}}}"#.utf8) + [0x0A]
        var stream: [UInt8] = []
        for _ in 0..<2000 { stream += line }
        var maxBuffered = 0
        var lines = 0
        var offset = 0
        // Odd-sized reads so lines straddle reads; drain after each read as the socket loop does.
        while offset < stream.count {
            let end = min(stream.count, offset + 1013)
            framer.append(Array(stream[offset..<end]))
            offset = end
            maxBuffered = max(maxBuffered, framer.bufferedByteCount)
            while let _ = try framer.nextLine() { lines += 1 }
        }
        #expect(lines == 2000)
        #expect(framer.bufferedByteCount == 0)
        // Consumed bytes are dropped: the buffer never holds more than a read plus a partial
        // line (without compaction it would grow to the whole 130 kB stream).
        #expect(maxBuffered <= 1013 + line.count)
        #expect(FramingError.lineTooLong(limit: 10).description == "line longer than 10 bytes")
    }
}
