import Storage

/// Statements and their values, encoded one after the other in one growing block of memory:
/// what the recorder hands to a `RowExecutor`.
///
/// A command is its kind (one byte, `RowKind`), then the value of each of its row's columns,
/// in their order: a tag byte, then 8 bytes for an integer or a real, or a 4-byte length and
/// the bytes for text and blobs. Encoding copies the values (a journal line is about 230 bytes), so the buffer owns
/// everything its commands need and can cross to another thread on its own.
///
/// Not `Sendable`: a buffer belongs to one thread at a time, handed over whole (`RowPipeline`).
final class RowBuffer {
    typealias Tag = EncodedValueTag

    private var storage: UnsafeMutableRawPointer
    private var capacity: Int
    private(set) var count = 0

    init(capacity: Int = 64 * 1024) {
        self.capacity = capacity
        storage = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 8)
    }

    deinit {
        storage.deallocate()
    }

    var isEmpty: Bool { count == 0 }

    func removeAll() {
        count = 0
    }

    @inline(__always)
    private func reserve(_ byteCount: Int) {
        if count + byteCount > capacity { grow(toHold: count + byteCount) }
    }

    private func grow(toHold needed: Int) {
        let newCapacity = max(needed, 2 * capacity)
        let newStorage = UnsafeMutableRawPointer.allocate(byteCount: newCapacity, alignment: 8)
        newStorage.copyMemory(from: storage, byteCount: count)
        storage.deallocate()
        storage = newStorage
        capacity = newCapacity
    }

    /// Starts a command: its values follow.
    @inline(__always)
    func appendKind(_ kind: RowKind) {
        reserve(1)
        storage.storeBytes(of: kind.rawValue, toByteOffset: count, as: UInt8.self)
        count += 1
    }

    /// Encodes `row`: its kind, then its columns' values.
    @inline(__always)
    func append<Row: RecordedRow>(_ row: Row) {
        appendKind(Row.rowKind)
        for column in Row.columns {
            column.encode(row, self)
        }
    }

    @inline(__always)
    func appendNull() {
        reserve(1)
        storage.storeBytes(of: Tag.null.rawValue, toByteOffset: count, as: UInt8.self)
        count += 1
    }

    @inline(__always)
    func append(_ value: Int64) {
        appendFixedSize(value, as: .integer)
    }

    @inline(__always)
    func append(_ value: Double) {
        appendFixedSize(value, as: .real)
    }

    @inline(__always)
    private func appendFixedSize<Value>(_ value: Value, as tag: Tag) {
        let size = MemoryLayout<Value>.size
        reserve(1 + size)
        storage.storeBytes(of: tag.rawValue, toByteOffset: count, as: UInt8.self)
        storage.storeBytes(of: value, toByteOffset: count + 1, as: Value.self)
        count += 1 + size
    }

    @inline(__always)
    func append(_ bytes: UnsafeRawBufferPointer, as tag: Tag) {
        reserve(5 + bytes.count)
        storage.storeBytes(of: tag.rawValue, toByteOffset: count, as: UInt8.self)
        storage.storeBytes(of: UInt32(truncatingIfNeeded: bytes.count), toByteOffset: count + 1, as: UInt32.self)
        if let base = bytes.baseAddress, bytes.count > 0 {
            (storage + count + 5).copyMemory(from: base, byteCount: bytes.count)
        }
        count += 5 + bytes.count
    }

    /// Lends the encoded commands.
    func withEncoded<T>(_ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T {
        try body(UnsafeRawBufferPointer(start: storage, count: count))
    }
}

/// A value a `RowBuffer` can encode.
protocol RowValue: SendableMetatype {
    func encode(into buffer: RowBuffer)
}

extension Int64: RowValue {
    @inline(__always) func encode(into buffer: RowBuffer) { buffer.append(self) }
}

extension Int: RowValue {
    @inline(__always) func encode(into buffer: RowBuffer) { buffer.append(Int64(self)) }
}

extension Bool: RowValue {
    @inline(__always) func encode(into buffer: RowBuffer) { buffer.append(Int64(self ? 1 : 0)) }
}

extension Double: RowValue {
    @inline(__always) func encode(into buffer: RowBuffer) { buffer.append(self) }
}

extension String: RowValue {
    @inline(__always) func encode(into buffer: RowBuffer) {
        let encoded: Void? = utf8.withContiguousStorageIfAvailable { buffer.append(UnsafeRawBufferPointer($0), as: .text) }
        if encoded == nil {
            Array(utf8).withUnsafeBytes { buffer.append($0, as: .text) }
        }
    }
}

extension UTF8Text: RowValue {
    @inline(__always) func encode(into buffer: RowBuffer) {
        bytes.withUnsafeBytes { buffer.append($0, as: .text) }
    }
}

/// Bytes stored as a blob (a journal line as received).
struct RowBlob: RowValue {
    let bytes: UnsafeRawBufferPointer

    @inline(__always) func encode(into buffer: RowBuffer) { buffer.append(bytes, as: .blob) }
}

extension Optional: RowValue where Wrapped: RowValue {
    @inline(__always) func encode(into buffer: RowBuffer) {
        if let value = self { value.encode(into: buffer) } else { buffer.appendNull() }
    }
}
