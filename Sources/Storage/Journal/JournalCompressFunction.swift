import CallStatsSQLite

extension Database {
    /// Makes the SQL function `journal_compress(content)` available on this connection: the
    /// zstd frame of a journal block's content (`ZstdCompressor`).
    ///
    /// The recorder hands a block's content to its statement as it is, and the compression
    /// happens wherever the statement runs: on the row thread of an import or a collector,
    /// beside SQLite's own work, not on the thread that reads and interprets the lines.
    /// Application-defined functions are SQLite's documented way to do that
    /// (https://sqlite.org/appfunc.html). `DIRECTONLY`: the schema's triggers and views may not call it.
    package func registerJournalCompression() throws(StorageError) {
        let compressor: ZstdCompressor
        do {
            compressor = try ZstdCompressor()
        } catch {
            throw StorageError(resultCode: SQLITE_NOMEM, message: error.problem)
        }
        // The connection keeps the compressor until it closes, then calls the destructor with it.
        let code = sqlite3_create_function_v2(
            handle, "journal_compress", 1, SQLITE_UTF8 | SQLITE_DIRECTONLY,
            Unmanaged.passRetained(compressor).toOpaque(),
            { context, _, arguments in JournalCompressFunction.call(context, arguments?[0]) },
            nil, nil,
            { compressor in compressor.map { Unmanaged<ZstdCompressor>.fromOpaque($0).release() } })
        guard code == SQLITE_OK else {
            throw StorageError(resultCode: code, message: String(cString: sqlite3_errmsg(handle)))
        }
    }
}

private enum JournalCompressFunction {
    static func call(_ context: OpaquePointer?, _ argument: OpaquePointer?) {
        guard let owner = sqlite3_user_data(context) else { return }
        let compressor = Unmanaged<ZstdCompressor>.fromOpaque(owner).takeUnretainedValue()
        switch sqlite3_value_type(argument) {
        case SQLITE_NULL:
            sqlite3_result_null(context)
            return
        case SQLITE_BLOB:
            break
        default:
            sqlite3_result_error(context, "journal_compress takes a blob", -1)
            return
        }
        // The blob first, then its size, as SQLite advises; no pointer for a blob of some size
        // is SQLite out of memory.
        let start = sqlite3_value_blob(argument)
        let count = Int(sqlite3_value_bytes(argument))
        guard start != nil || count == 0 else {
            sqlite3_result_error_nomem(context)
            return
        }
        let input = UnsafeRawBufferPointer(start: start, count: count)
        let bound = ZstdCompressor.bound(count)
        guard let output = sqlite3_malloc64(UInt64(bound)) else {
            sqlite3_result_error_nomem(context)
            return
        }
        do {
            let written = try compressor.compress(input, into: UnsafeMutableRawBufferPointer(start: output, count: bound))
            // SQLite frees the buffer when it is done with the value.
            sqlite3_result_blob64(context, output, UInt64(written), sqlite3_free)
        } catch {
            sqlite3_free(output)
            sqlite3_result_error(context, error.problem, -1)
        }
    }
}
