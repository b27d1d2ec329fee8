import CallStatsSQLite

/// A prepared statement, finalized when released.
///
/// Not `Sendable`: it belongs to the `Database` that prepared it and is used only by that
/// connection's owner. Values are always bound, never interpolated into the SQL text.
public final class Statement {
    let handle: OpaquePointer
    /// The connection's handle, for error messages. The `Database` outlives its statements
    /// because it holds the cache and closes with `sqlite3_close_v2`.
    private let connection: OpaquePointer
    public let sql: String
    /// Text and blobs bound for the next step are copied here, not by SQLite: with
    /// `SQLITE_TRANSIENT` SQLite allocates, copies and frees each one, and for the recorder's
    /// short values the allocating and freeing cost far more than the copy. Bound
    /// `SQLITE_STATIC`, they must stay put until every parameter is bound again or cleared, so
    /// the arena only moves (grows) when a new round of binding starts.
    private var arena: UnsafeMutableRawPointer?
    private var arenaCapacity = 0
    private var arenaUsed = 0
    /// The most a round of binding wanted, so that the next round's arena holds it all.
    private var arenaWanted = 0

    init(connection: OpaquePointer, sql: String) throws(StorageError) {
        var statement: OpaquePointer?
        let code = sql.withCString { cString in
            sqlite3_prepare_v3(connection, cString, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil)
        }
        guard code == SQLITE_OK, let statement else {
            sqlite3_finalize(statement)
            throw StorageError(
                resultCode: sqlite3_extended_errcode(connection),
                message: String(cString: sqlite3_errmsg(connection)),
                sql: sql
            )
        }
        self.handle = statement
        self.connection = connection
        self.sql = sql
    }

    deinit {
        sqlite3_finalize(handle)
        arena?.deallocate()
    }

    /// Starts a round of binding: the previous round's bytes are no longer needed.
    func beginBinding() {
        arenaUsed = 0
        if arenaWanted > arenaCapacity {
            arena?.deallocate()
            arenaCapacity = max(arenaWanted, 2 * arenaCapacity, 4096)
            arena = UnsafeMutableRawPointer.allocate(byteCount: arenaCapacity, alignment: 8)
        }
        arenaWanted = 0
    }

    /// A copy of the bytes in the arena, or nil when the arena is full (SQLite copies them then).
    private func stage(_ base: UnsafeRawPointer, count: Int) -> UnsafeRawPointer? {
        arenaWanted += count
        guard let arena, arenaUsed + count <= arenaCapacity else { return nil }
        let copy = arena + arenaUsed
        copy.copyMemory(from: base, byteCount: count)
        arenaUsed += count
        return UnsafeRawPointer(copy)
    }

    private func error(_ code: Int32) -> StorageError {
        // The connection's message describes the latest failure, which is this one.
        StorageError(
            resultCode: sqlite3_extended_errcode(connection) != 0 ? sqlite3_extended_errcode(connection) : code,
            message: String(cString: sqlite3_errmsg(connection)),
            sql: sql
        )
    }

    func check(_ code: Int32) throws(StorageError) {
        if code != SQLITE_OK { throw error(code) }
    }

    // MARK: Binding (parameters are numbered from 1, as in SQLite)

    public var parameterCount: Int32 { sqlite3_bind_parameter_count(handle) }

    /// The index of the parameter named `name` (with its `:`), or 0 when the statement has none.
    public func parameterIndex(named name: String) -> Int32 {
        sqlite3_bind_parameter_index(handle, name)
    }

    /// The name of parameter `index` (with its `:`); nil for a nameless `?`.
    public func parameterName(at index: Int32) -> String? {
        sqlite3_bind_parameter_name(handle, index).map { String(cString: $0) }
    }

    public func bindNull(at index: Int32) throws(StorageError) {
        try check(sqlite3_bind_null(handle, index))
    }

    public func bind(_ value: Int64, at index: Int32) throws(StorageError) {
        try check(sqlite3_bind_int64(handle, index, value))
    }

    public func bind(_ value: Double, at index: Int32) throws(StorageError) {
        try check(sqlite3_bind_double(handle, index, value))
    }

    /// Binds text by its UTF-8 bytes and their count, so an embedded NUL is kept.
    public func bind(_ value: String, at index: Int32) throws(StorageError) {
        var value = value
        try check(value.withUTF8 { bindText(UnsafeRawBufferPointer($0), at: index) })
    }

    /// Binds text given as UTF-8 bytes the caller vouches for (serialized JSON), without
    /// making a `String` of them first.
    public func bind(utf8Text buffer: UnsafeRawBufferPointer, at index: Int32) throws(StorageError) {
        try check(bindText(buffer, at: index))
    }

    /// Binds text or a blob without copying it: the caller keeps the bytes where they are until
    /// every parameter is bound again (SQLite reads them at each step, never after a reset).
    /// For a caller that holds many statements' values in one buffer of its own.
    package func bind(unsafeBorrowing buffer: UnsafeRawBufferPointer, asText: Bool, at index: Int32) throws(StorageError) {
        guard let base = buffer.baseAddress, buffer.count > 0 else {
            try check(asText ? bindText(buffer, at: index) : bindBlob(buffer, at: index))
            return
        }
        let code = asText
            ? sqlite3_bind_text64(handle, index, base.assumingMemoryBound(to: CChar.self), sqlite3_uint64(buffer.count), nil, UInt8(SQLITE_UTF8))
            : sqlite3_bind_blob64(handle, index, base, sqlite3_uint64(buffer.count), nil)
        try check(code)
    }

    private func bindText(_ buffer: UnsafeRawBufferPointer, at index: Int32) -> Int32 {
        guard let base = buffer.baseAddress, buffer.count > 0 else {
            // An empty string is text, not NULL: SQLite copies nothing from a static "".
            return sqlite3_bind_text(handle, index, "", 0, nil)
        }
        if let staged = stage(base, count: buffer.count) {
            return sqlite3_bind_text64(
                handle, index, staged.assumingMemoryBound(to: CChar.self), sqlite3_uint64(buffer.count), nil, UInt8(SQLITE_UTF8)
            )
        }
        return sqlite3_bind_text64(
            handle, index, base.assumingMemoryBound(to: CChar.self), sqlite3_uint64(buffer.count),
            callstats_sqlite_transient(), UInt8(SQLITE_UTF8)
        )
    }

    /// Binds a blob. An empty collection binds an empty blob, not NULL
    /// (`sqlite3_bind_blob` with a null pointer would store NULL).
    public func bind(bytes: some Collection<UInt8>, at index: Int32) throws(StorageError) {
        let code: Int32? = bytes.withContiguousStorageIfAvailable { buffer in
            bindBlob(UnsafeRawBufferPointer(buffer), at: index)
        }
        if let code {
            try check(code)
        } else {
            let copy = Array(bytes)
            try check(copy.withUnsafeBytes { bindBlob($0, at: index) })
        }
    }

    /// Binds raw bytes without an intermediate copy: the hot path of the journal.
    public func bind(rawBytes buffer: UnsafeRawBufferPointer, at index: Int32) throws(StorageError) {
        try check(bindBlob(buffer, at: index))
    }

    private func bindBlob(_ buffer: UnsafeRawBufferPointer, at index: Int32) -> Int32 {
        guard let base = buffer.baseAddress, buffer.count > 0 else {
            return sqlite3_bind_zeroblob(handle, index, 0)
        }
        if let staged = stage(base, count: buffer.count) {
            return sqlite3_bind_blob64(handle, index, staged, sqlite3_uint64(buffer.count), nil)
        }
        return sqlite3_bind_blob64(handle, index, base, sqlite3_uint64(buffer.count), callstats_sqlite_transient())
    }

    /// Binds the values to parameters 1, 2, ... in order.
    public func bind(_ values: [any DatabaseBindable]) throws(StorageError) {
        guard values.count == Int(parameterCount) else {
            throw StorageError(
                resultCode: SQLITE_RANGE,
                message: "statement has \(parameterCount) parameters, \(values.count) values given",
                sql: sql
            )
        }
        for (offset, value) in values.enumerated() {
            try value.bind(to: self, at: Int32(offset + 1))
        }
    }

    /// Makes the statement ready to run again, with no values bound.
    public func reset() {
        // sqlite3_reset returns the error of the previous step, already reported by step().
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
        beginBinding()
    }

    /// `reset()` for a caller about to bind every parameter: nothing to clear.
    package func resetForRebinding() {
        sqlite3_reset(handle)
        beginBinding()
    }

    /// Runs the statement to completion after `resetForRebinding()` and `boundCount` binds;
    /// throws without running when that is not every parameter.
    package func finishRun(boundCount: Int32) throws(StorageError) {
        guard boundCount == parameterCount else {
            sqlite3_clear_bindings(handle)
            throw StorageError(resultCode: SQLITE_RANGE, message: "statement has \(parameterCount) parameters, \(boundCount) values given", sql: sql)
        }
        while try step() {}
        sqlite3_reset(handle)
    }

    // MARK: Running

    /// Runs one step: true when a row is available to read, false when done.
    @discardableResult
    public func step() throws(StorageError) -> Bool {
        let code = sqlite3_step(handle)
        switch code {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default:
            let failure = error(code)
            sqlite3_reset(handle)
            throw failure
        }
    }

    /// Resets, binds the values and runs the statement to completion, ignoring any rows.
    public func execute(_ values: any DatabaseBindable...) throws(StorageError) {
        try execute(values)
    }

    public func execute(_ values: [any DatabaseBindable]) throws(StorageError) {
        reset()
        try bind(values)
        while try step() {}
        sqlite3_reset(handle)
    }

    /// Resets, binds the values (no existential boxing) and runs the statement to completion,
    /// ignoring any rows. The recorder's rows go through `RowExecutor`, which binds one value at a
    /// time, so nothing hot runs through here.
    public func run<each Value: DatabaseBindable>(_ values: repeat each Value) throws(StorageError) {
        resetForRebinding()
        var index: Int32 = 0
        for value in repeat each values {
            index += 1
            do {
                try value.bind(to: self, at: index)
            } catch {
                reset()
                throw error
            }
        }
        try finishRun(boundCount: index)
    }

    /// Resets, binds the values and calls `body` for each row, with this statement positioned on it.
    public func forEachRow(_ values: [any DatabaseBindable] = [], _ body: (Statement) throws -> Void) throws {
        reset()
        try bind(values)
        defer { sqlite3_reset(handle) }
        while try step() {
            try body(self)
        }
    }

    /// The first row mapped by `body`, or nil when there is none.
    public func firstRow<T>(_ values: [any DatabaseBindable] = [], _ body: (Statement) throws -> T) throws -> T? {
        reset()
        try bind(values)
        defer { sqlite3_reset(handle) }
        guard try step() else { return nil }
        return try body(self)
    }

    // MARK: Reading the current row (columns are numbered from 0, as in SQLite)

    public var columnCount: Int32 { sqlite3_column_count(handle) }

    public func columnName(_ index: Int32) -> String {
        sqlite3_column_name(handle, index).map { String(cString: $0) } ?? ""
    }

    public func isNull(_ index: Int32) -> Bool {
        sqlite3_column_type(handle, index) == SQLITE_NULL
    }

    public func int64(_ index: Int32) -> Int64 {
        sqlite3_column_int64(handle, index)
    }

    public func int(_ index: Int32) -> Int {
        Int(sqlite3_column_int64(handle, index))
    }

    public func double(_ index: Int32) -> Double {
        sqlite3_column_double(handle, index)
    }

    /// The column's text with its exact byte count (embedded NULs kept); nil for NULL.
    public func string(_ index: Int32) -> String? {
        guard sqlite3_column_type(handle, index) != SQLITE_NULL else { return nil }
        guard let text = sqlite3_column_text(handle, index) else { return "" }
        let count = Int(sqlite3_column_bytes(handle, index))
        return String(decoding: UnsafeBufferPointer(start: text, count: count), as: UTF8.self)
    }

    /// The column's bytes; an empty blob is `[]`, NULL is nil.
    public func bytes(_ index: Int32) -> [UInt8]? {
        guard sqlite3_column_type(handle, index) != SQLITE_NULL else { return nil }
        guard let blob = sqlite3_column_blob(handle, index) else { return [] }
        let count = Int(sqlite3_column_bytes(handle, index))
        return Array(UnsafeRawBufferPointer(start: blob, count: count))
    }

    /// Lends the column's bytes without copying them (empty for NULL); valid only inside `body`.
    public func withBlob<T>(_ index: Int32, _ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T {
        let blob = sqlite3_column_blob(handle, index)
        let count = Int(sqlite3_column_bytes(handle, index))
        return try body(UnsafeRawBufferPointer(start: blob, count: blob == nil ? 0 : count))
    }

    public func optionalInt64(_ index: Int32) -> Int64? {
        isNull(index) ? nil : int64(index)
    }

    public func optionalDouble(_ index: Int32) -> Double? {
        isNull(index) ? nil : double(index)
    }

    /// The column as stored, in its storage class.
    public func value(_ index: Int32) -> DatabaseValue {
        switch sqlite3_column_type(handle, index) {
        case SQLITE_INTEGER: return .integer(int64(index))
        case SQLITE_FLOAT: return .real(double(index))
        case SQLITE_TEXT: return .text(string(index) ?? "")
        case SQLITE_BLOB: return .blob(bytes(index) ?? [])
        default: return .null
        }
    }
}

@available(*, unavailable, message: "a Statement belongs to its connection's single owner")
extension Statement: Sendable {}
