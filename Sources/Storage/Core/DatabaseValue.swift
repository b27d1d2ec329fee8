/// One SQLite value, as stored: SQLite's five storage classes.
public enum DatabaseValue: Sendable, Hashable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])
}

/// A Swift value that can be bound to a statement parameter.
public protocol DatabaseBindable {
    func bind(to statement: Statement, at index: Int32) throws(StorageError)
}

extension DatabaseValue: DatabaseBindable {
    @inlinable
    public func bind(to statement: Statement, at index: Int32) throws(StorageError) {
        switch self {
        case .null: try statement.bindNull(at: index)
        case .integer(let value): try statement.bind(value, at: index)
        case .real(let value): try statement.bind(value, at: index)
        case .text(let value): try statement.bind(value, at: index)
        case .blob(let value): try statement.bind(bytes: value, at: index)
        }
    }
}

/// Text held as UTF-8 bytes (serialized JSON): bound as text, not as a blob.
public struct UTF8Text: DatabaseBindable {
    public let bytes: [UInt8]

    @inlinable
    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    @inlinable
    public func bind(to statement: Statement, at index: Int32) throws(StorageError) {
        let failure = bytes.withUnsafeBytes { buffer -> StorageError? in
            do throws(StorageError) {
                try statement.bind(utf8Text: buffer, at: index)
                return nil
            } catch {
                return error
            }
        }
        if let failure { throw failure }
    }
}

extension Int64: DatabaseBindable {
    @inlinable
    public func bind(to statement: Statement, at index: Int32) throws(StorageError) {
        try statement.bind(self, at: index)
    }
}

extension Int: DatabaseBindable {
    @inlinable
    public func bind(to statement: Statement, at index: Int32) throws(StorageError) {
        try statement.bind(Int64(self), at: index)
    }
}

extension Int32: DatabaseBindable {
    @inlinable
    public func bind(to statement: Statement, at index: Int32) throws(StorageError) {
        try statement.bind(Int64(self), at: index)
    }
}

extension Bool: DatabaseBindable {
    @inlinable
    public func bind(to statement: Statement, at index: Int32) throws(StorageError) {
        try statement.bind(Int64(self ? 1 : 0), at: index)
    }
}

extension Double: DatabaseBindable {
    @inlinable
    public func bind(to statement: Statement, at index: Int32) throws(StorageError) {
        try statement.bind(self, at: index)
    }
}

extension String: DatabaseBindable {
    @inlinable
    public func bind(to statement: Statement, at index: Int32) throws(StorageError) {
        try statement.bind(self, at: index)
    }
}

extension Substring: DatabaseBindable {
    @inlinable
    public func bind(to statement: Statement, at index: Int32) throws(StorageError) {
        try statement.bind(String(self), at: index)
    }
}

extension Array: DatabaseBindable where Element == UInt8 {
    @inlinable
    public func bind(to statement: Statement, at index: Int32) throws(StorageError) {
        try statement.bind(bytes: self, at: index)
    }
}

extension ArraySlice: DatabaseBindable where Element == UInt8 {
    @inlinable
    public func bind(to statement: Statement, at index: Int32) throws(StorageError) {
        try statement.bind(bytes: self, at: index)
    }
}

extension Optional: DatabaseBindable where Wrapped: DatabaseBindable {
    @inlinable
    public func bind(to statement: Statement, at index: Int32) throws(StorageError) {
        switch self {
        case .none: try statement.bindNull(at: index)
        case .some(let value): try value.bind(to: statement, at: index)
        }
    }
}
