import CallStatsSQLite

/// How a value is encoded in a buffer of rows (the recorder's `RowBuffer`): this tag byte, then
/// 8 bytes for an integer or a real, or a 4-byte length and the bytes for text and blobs.
package enum EncodedValueTag: UInt8 {
    case null, integer, real, text, blob
}

/// Many rows for one table, read by SQLite in a single statement:
/// `INSERT INTO t (a, b) SELECT c0, c1 FROM row_batch(:batch)`.
///
/// One `INSERT` per row costs SQLite a statement's start and end each time: its cursors opened,
/// each B-tree searched from its root, closed again. An `INSERT … SELECT` keeps its cursors open
/// from row to row and appends where the last row went: a queue_log import's rows take 0.75 µs
/// each that way, 2.06 µs one statement each (bench/row_insert_floor.c, BENCHMARKS.md
/// "queue_log import"). `row_batch` is SQLite's documented way to offer rows that are not in a
/// table: an eponymous virtual table (https://sqlite.org/vtab.html), given the batch by
/// `sqlite3_bind_pointer`.
///
/// The values stay in the caller's buffer: a batch holds where each one is (`offsets`,
/// `columnCount` per row), valid until the caller reuses the buffer, after the statement ran.
package final class RowBatch {
    package let columnCount: Int
    package var base: UnsafeRawPointer?
    /// Where each value's tag is in `base`, row after row: memory SQLite's callbacks read as is.
    private var offsets: UnsafeMutablePointer<Int64>
    private var capacity: Int
    private var count = 0

    /// The most columns a batch's rows may have: `row_batch`'s `c0` … `c15`.
    package static let maximumColumns = 16

    package init(columnCount: Int) {
        precondition(columnCount <= Self.maximumColumns, "a row batch has at most \(Self.maximumColumns) columns")
        self.columnCount = columnCount
        capacity = 1024 * columnCount
        offsets = .allocate(capacity: capacity)
    }

    deinit {
        offsets.deallocate()
    }

    package var rowCount: Int { count / columnCount }
    package var isEmpty: Bool { count == 0 }

    /// The offset of the first value of the first row.
    package var firstRowOffset: Int { Int(offsets[0]) }

    /// Adds the row whose values start at `offset` in `base`; returns the offset after it.
    @inline(__always)
    package func appendRow(_ base: UnsafeRawPointer, at offset: Int) -> Int {
        if count + columnCount > capacity { grow() }
        var offset = offset
        for column in 0..<columnCount {
            offsets[count + column] = Int64(offset)
            offset = Self.offset(after: base, offset)
        }
        count += columnCount
        return offset
    }

    private func grow() {
        let larger = UnsafeMutablePointer<Int64>.allocate(capacity: 2 * capacity)
        larger.update(from: offsets, count: count)
        offsets.deallocate()
        offsets = larger
        capacity *= 2
    }

    package func removeAll() {
        count = 0
    }

    /// The offset just past the value encoded at `offset`.
    @inline(__always)
    private static func offset(after base: UnsafeRawPointer, _ offset: Int) -> Int {
        switch EncodedValueTag(rawValue: base.load(fromByteOffset: offset, as: UInt8.self)) {
        case .integer, .real: return offset + 9
        case .text, .blob: return offset + 5 + Int(base.loadUnaligned(fromByteOffset: offset + 1, as: UInt32.self))
        case .null, nil: return offset + 1
        }
    }

    /// Points `cursor` at this batch's rows.
    fileprivate func start(_ cursor: UnsafeMutablePointer<callstats_row_batch_cursor>) {
        cursor.pointee.values = base?.assumingMemoryBound(to: UInt8.self)
        cursor.pointee.offsets = UnsafePointer(offsets)
        cursor.pointee.columns = Int64(columnCount)
        cursor.pointee.rows = base == nil ? 0 : Int64(rowCount)
        cursor.pointee.row = 0
    }
}

extension Statement {
    /// Binds `batch` to a `row_batch(:batch)` parameter. The batch must stay alive and
    /// unchanged until the statement has run.
    package func bind(_ batch: RowBatch, at index: Int32) throws(StorageError) {
        try check(sqlite3_bind_pointer(handle, index, Unmanaged.passUnretained(batch).toOpaque(),
                                       callstats_row_batch_pointer_type(), nil))
    }
}

extension Database {
    /// Makes `row_batch(:batch)` available on this connection (`RowBatch`).
    package func registerRowBatch() throws(StorageError) {
        let module = UnsafeMutablePointer<sqlite3_module>.allocate(capacity: 1)
        module.initialize(to: RowBatchModule.make())
        // SQLite keeps the module until the connection closes, then calls the destructor with it.
        let code = sqlite3_create_module_v2(handle, "row_batch", module, module) { module in
            module?.assumingMemoryBound(to: sqlite3_module.self).deallocate()
        }
        guard code == SQLITE_OK else {
            module.deallocate()
            throw StorageError(resultCode: code, message: String(cString: sqlite3_errmsg(handle)))
        }
    }
}

/// The callbacks of `row_batch`: a table of columns `c0` … `c15` and a hidden `batch`, whose
/// rows are those of the `RowBatch` bound to `batch`.
private enum RowBatchModule {
    static let batchColumn = Int32(RowBatch.maximumColumns)

    static func make() -> sqlite3_module {
        var module = sqlite3_module()
        // No xCreate: eponymous-only, usable by its name alone and never by CREATE VIRTUAL TABLE.
        module.xConnect = { db, _, _, _, table, _ in
            let columns = (0..<RowBatch.maximumColumns).map { "c\($0)" }.joined(separator: ", ")
            let code = sqlite3_declare_vtab(db, "CREATE TABLE x(\(columns), batch HIDDEN)")
            guard code == SQLITE_OK else { return code }
            guard let allocated = sqlite3_malloc(Int32(MemoryLayout<sqlite3_vtab>.size)) else { return SQLITE_NOMEM }
            let vtab = allocated.bindMemory(to: sqlite3_vtab.self, capacity: 1)
            vtab.initialize(to: sqlite3_vtab())
            table?.pointee = vtab
            return SQLITE_OK
        }
        module.xDisconnect = { vtab in
            sqlite3_free(vtab)
            return SQLITE_OK
        }
        module.xDestroy = module.xDisconnect
        module.xBestIndex = { _, info in
            // The only plan: the batch given, as the first argument of xFilter.
            guard let info else { return SQLITE_ERROR }
            for index in 0..<Int(info.pointee.nConstraint) {
                let constraint = info.pointee.aConstraint[index]
                guard constraint.iColumn == RowBatchModule.batchColumn, constraint.op == UInt8(SQLITE_INDEX_CONSTRAINT_EQ) else { continue }
                guard constraint.usable != 0 else { return SQLITE_CONSTRAINT }
                info.pointee.aConstraintUsage[index].argvIndex = 1
                info.pointee.aConstraintUsage[index].omit = 1
                info.pointee.estimatedCost = 1
                return SQLITE_OK
            }
            return SQLITE_CONSTRAINT
        }
        module.xOpen = { _, cursor in
            guard let allocated = sqlite3_malloc(Int32(MemoryLayout<callstats_row_batch_cursor>.size)) else { return SQLITE_NOMEM }
            let ours = allocated.bindMemory(to: callstats_row_batch_cursor.self, capacity: 1)
            ours.initialize(to: callstats_row_batch_cursor())
            cursor?.pointee = UnsafeMutableRawPointer(ours).assumingMemoryBound(to: sqlite3_vtab_cursor.self)
            return SQLITE_OK
        }
        module.xClose = { cursor in
            sqlite3_free(cursor)
            return SQLITE_OK
        }
        module.xFilter = { cursor, _, _, argc, argv in
            guard let ours = RowBatchModule.ourCursor(cursor) else { return SQLITE_ERROR }
            ours.initialize(to: callstats_row_batch_cursor(base: ours.pointee.base, values: nil, offsets: nil, columns: 0, rows: 0, row: 0))
            if argc > 0, let batch = sqlite3_value_pointer(argv?[0], callstats_row_batch_pointer_type()) {
                Unmanaged<RowBatch>.fromOpaque(batch).takeUnretainedValue().start(ours)
            }
            return SQLITE_OK
        }
        module.xNext = { cursor in
            guard let ours = RowBatchModule.ourCursor(cursor) else { return SQLITE_ERROR }
            ours.pointee.row += 1
            return SQLITE_OK
        }
        module.xEof = { cursor in
            guard let ours = RowBatchModule.ourCursor(cursor) else { return 1 }
            return ours.pointee.row >= ours.pointee.rows ? 1 : 0
        }
        module.xColumn = { cursor, context, column in
            guard let ours = RowBatchModule.ourCursor(cursor) else { return SQLITE_ERROR }
            RowBatchModule.result(ours.pointee, column: Int64(column), into: context)
            return SQLITE_OK
        }
        module.xRowid = { cursor, rowid in
            guard let ours = RowBatchModule.ourCursor(cursor) else { return SQLITE_ERROR }
            rowid?.pointee = ours.pointee.row
            return SQLITE_OK
        }
        return module
    }

    /// xOpen made every cursor SQLite passes back: a callstats_row_batch_cursor, SQLite's part first.
    static func ourCursor(_ cursor: UnsafeMutablePointer<sqlite3_vtab_cursor>?) -> UnsafeMutablePointer<callstats_row_batch_cursor>? {
        cursor.map { UnsafeMutableRawPointer($0).assumingMemoryBound(to: callstats_row_batch_cursor.self) }
    }

    /// Gives SQLite the value of `column` in the cursor's row.
    @inline(__always)
    static func result(_ cursor: callstats_row_batch_cursor, column: Int64, into context: OpaquePointer?) {
        guard column < cursor.columns, cursor.row < cursor.rows, let values = cursor.values, let offsets = cursor.offsets else {
            sqlite3_result_null(context)
            return
        }
        let value = UnsafeRawPointer(values) + Int(offsets[Int(cursor.row * cursor.columns + column)])
        switch EncodedValueTag(rawValue: value.load(as: UInt8.self)) {
        case .integer:
            sqlite3_result_int64(context, value.loadUnaligned(fromByteOffset: 1, as: Int64.self))
        case .real:
            sqlite3_result_double(context, value.loadUnaligned(fromByteOffset: 1, as: Double.self))
        case .text:
            let length = value.loadUnaligned(fromByteOffset: 1, as: UInt32.self)
            // Not copied (no destructor: SQLITE_STATIC): the buffer outlives the statement's run.
            sqlite3_result_text64(context, (value + 5).assumingMemoryBound(to: CChar.self), sqlite3_uint64(length), nil, UInt8(SQLITE_UTF8))
        case .blob:
            let length = value.loadUnaligned(fromByteOffset: 1, as: UInt32.self)
            sqlite3_result_blob64(context, value + 5, sqlite3_uint64(length), nil)
        case .null, nil:
            sqlite3_result_null(context)
        }
    }
}
