import CallStatsZlib

/// Somewhere to write bytes: a file or standard output (`FileDescriptorOutput`,
/// `AtomicFileOutput`), or memory in tests.
public protocol ByteOutput: AnyObject {
    func write(bytes: UnsafeRawBufferPointer) throws
}

/// Bytes in memory (tests).
public final class MemoryByteOutput: ByteOutput {
    public private(set) var bytes: [UInt8] = []
    public init() {}
    public func write(bytes: UnsafeRawBufferPointer) { self.bytes.append(contentsOf: bytes) }
}

public struct ZipError: Error, Sendable, CustomStringConvertible {
    public let description: String
}

/// A ZIP archive written front to back, one entry at a time, never seeking: each entry's
/// local header says "sizes follow" (general-purpose bit 3) and a data descriptor after the
/// deflated bytes gives its CRC and sizes, so an entry of any length streams through a buffer
/// of fixed size, and the archive can go to a pipe. The zlib already linked (CallStatsZlib)
/// deflates; ZIPFoundation's streaming entry wants its size before the first byte, which a
/// sheet being written does not know.
///
/// Every entry's time is 1980-01-01 00:00 (DOS's first day): the same rows give the same
/// bytes, as the nightly files promise. There is no ZIP64: an entry or archive past 4 GiB is
/// refused (`ZipError`) rather than written with wrapped sizes. A sheet of a million
/// rows is about 1 GB of XML.
final class ZipStream {
    struct Entry {
        let name: [UInt8]
        let offset: UInt64
        var crc: UInt32 = 0
        var compressed: UInt64 = 0
        var uncompressed: UInt64 = 0
    }

    let output: ByteOutput
    private(set) var written: UInt64 = 0
    private var entries: [Entry] = []
    private var current: Entry?
    private let stream: UnsafeMutablePointer<z_stream>
    private var streamOpen = false
    private var outBuffer = [UInt8](repeating: 0, count: 1 << 16)
    /// Z_BEST_SPEED: level 6 took three times as long for files a fifth smaller; the
    /// spreadsheet should cost little more than the CSV of the same rows.
    static let level: Int32 = 1

    init(output: ByteOutput) {
        self.output = output
        stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
    }

    deinit {
        if streamOpen { deflateEnd(stream) }
        stream.deinitialize(count: 1)
        stream.deallocate()
    }

    private func emit(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try output.write(bytes: $0) }
        written += UInt64(bytes.count)
    }

    static func le16(_ value: UInt16, into bytes: inout [UInt8]) {
        bytes.append(UInt8(value & 0xFF))
        bytes.append(UInt8(value >> 8))
    }

    static func le32(_ value: UInt32, into bytes: inout [UInt8]) {
        for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8((value >> UInt32(shift)) & 0xFF)) }
    }

    /// 1980-01-01 00:00 in DOS's date format; the time is 0.
    static let dosDate: UInt16 = (0 << 9) | (1 << 5) | 1
    /// Bit 3: sizes and CRC in a data descriptor; bit 11: the name is UTF-8.
    static let flags: UInt16 = (1 << 3) | (1 << 11)

    func beginEntry(_ name: String) throws {
        precondition(current == nil, "an entry is already open")
        let nameBytes = Array(name.utf8)
        var header: [UInt8] = []
        Self.le32(0x0403_4B50, into: &header)
        Self.le16(20, into: &header)               // version needed: 2.0 (deflate)
        Self.le16(Self.flags, into: &header)
        Self.le16(8, into: &header)                // deflate
        Self.le16(0, into: &header)                // time
        Self.le16(Self.dosDate, into: &header)
        Self.le32(0, into: &header)                // CRC, sizes: in the data descriptor
        Self.le32(0, into: &header)
        Self.le32(0, into: &header)
        Self.le16(UInt16(nameBytes.count), into: &header)
        Self.le16(0, into: &header)                // no extra field
        header += nameBytes
        current = Entry(name: nameBytes, offset: written)
        try emit(header)
        // Raw deflate (negative window bits): ZIP frames the data itself.
        let code = deflateInit2_(stream, Self.level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard code == Z_OK else { throw ZipError(description: "zlib could not start deflating (error \(code))") }
        streamOpen = true
    }

    /// Deflates `bytes` into the open entry.
    func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard var entry = current else { preconditionFailure("no entry is open") }
        guard !bytes.isEmpty, let base = bytes.baseAddress else { return }
        entry.crc = UInt32(crc32(uLong(entry.crc), base.assumingMemoryBound(to: Bytef.self), uInt(bytes.count)))
        entry.uncompressed += UInt64(bytes.count)
        current = entry
        stream.pointee.next_in = UnsafeMutablePointer(mutating: base.assumingMemoryBound(to: Bytef.self))
        stream.pointee.avail_in = uInt(bytes.count)
        try pump(flush: Z_NO_FLUSH)
    }

    private func pump(flush: Int32) throws {
        while true {
            let (code, produced): (Int32, Int) = outBuffer.withUnsafeMutableBufferPointer { buffer in
                stream.pointee.next_out = buffer.baseAddress
                stream.pointee.avail_out = uInt(buffer.count)
                let code = deflate(stream, flush)
                return (code, buffer.count - Int(stream.pointee.avail_out))
            }
            guard code == Z_OK || code == Z_STREAM_END || code == Z_BUF_ERROR else {
                throw ZipError(description: "zlib could not deflate (error \(code))")
            }
            if produced > 0 {
                try outBuffer.withUnsafeBytes { try output.write(bytes: UnsafeRawBufferPointer(rebasing: $0[0..<produced])) }
                written += UInt64(produced)
                current?.compressed += UInt64(produced)
            }
            if flush == Z_FINISH {
                if code == Z_STREAM_END { return }
            } else if stream.pointee.avail_in == 0 && produced < outBuffer.count {
                return
            }
        }
    }

    func endEntry() throws {
        try pump(flush: Z_FINISH)
        deflateEnd(stream)
        streamOpen = false
        guard let entry = current else { preconditionFailure("no entry is open") }
        current = nil
        guard entry.uncompressed <= UInt64(UInt32.max), entry.compressed <= UInt64(UInt32.max) else {
            throw ZipError(description: "a part of the workbook passed 4 GiB, more than a ZIP file without ZIP64 holds: report a shorter range")
        }
        var descriptor: [UInt8] = []
        Self.le32(0x0807_4B50, into: &descriptor)
        Self.le32(entry.crc, into: &descriptor)
        Self.le32(UInt32(entry.compressed), into: &descriptor)
        Self.le32(UInt32(entry.uncompressed), into: &descriptor)
        try emit(descriptor)
        entries.append(entry)
    }

    /// A whole entry from bytes in memory (the workbook's small parts).
    func addEntry(_ name: String, _ text: String) throws {
        try beginEntry(name)
        var bytes = Array(text.utf8)
        try bytes.withUnsafeMutableBytes { try write(UnsafeRawBufferPointer($0)) }
        try endEntry()
    }

    /// The central directory and its end record.
    func finish() throws {
        let start = written
        var directory: [UInt8] = []
        for entry in entries {
            guard entry.offset <= UInt64(UInt32.max) else {
                throw ZipError(description: "the workbook passed 4 GiB, more than a ZIP file without ZIP64 holds: report a shorter range")
            }
            Self.le32(0x0201_4B50, into: &directory)
            Self.le16(20, into: &directory)        // made by: 2.0
            Self.le16(20, into: &directory)
            Self.le16(Self.flags, into: &directory)
            Self.le16(8, into: &directory)
            Self.le16(0, into: &directory)
            Self.le16(Self.dosDate, into: &directory)
            Self.le32(entry.crc, into: &directory)
            Self.le32(UInt32(entry.compressed), into: &directory)
            Self.le32(UInt32(entry.uncompressed), into: &directory)
            Self.le16(UInt16(entry.name.count), into: &directory)
            Self.le16(0, into: &directory)         // extra
            Self.le16(0, into: &directory)         // comment
            Self.le16(0, into: &directory)         // disk
            Self.le16(0, into: &directory)         // internal attributes
            Self.le32(0, into: &directory)         // external attributes
            Self.le32(UInt32(entry.offset), into: &directory)
            directory += entry.name
        }
        guard start + UInt64(directory.count) <= UInt64(UInt32.max), entries.count < 0xFFFF else {
            throw ZipError(description: "the workbook passed 4 GiB, more than a ZIP file without ZIP64 holds: report a shorter range")
        }
        var end: [UInt8] = []
        Self.le32(0x0605_4B50, into: &end)
        Self.le16(0, into: &end)
        Self.le16(0, into: &end)
        Self.le16(UInt16(entries.count), into: &end)
        Self.le16(UInt16(entries.count), into: &end)
        Self.le32(UInt32(directory.count), into: &end)
        Self.le32(UInt32(start), into: &end)
        Self.le16(0, into: &end)
        try emit(directory)
        try emit(end)
    }
}
