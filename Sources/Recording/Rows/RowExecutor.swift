import Storage

/// Runs the commands of a `RowBuffer` on the writer connection: the recorder's only contact
/// with SQLite while it records lines.
///
/// Every row kind's statement is prepared, and checked against its row's columns, when the
/// executor is made (`PreparedRow`): a row whose fields and statement disagree fails there,
/// before any line is recorded.
///
/// Plain inserts are gathered, and each kind's run as one `INSERT … SELECT` from a `RowBatch`
/// (Storage) when the next other command comes, or at the end of the buffer. Only the order of
/// inserts into different tables changes: every row keeps its values and its id (given, or
/// the next rowid of its table, whose other inserts keep their order), and every other
/// statement still runs after all the rows before it.
///
/// Not `Sendable`: it belongs to whichever thread writes, the recorder's own (immediate
/// mode) or the pipeline's (`RowPipeline`), never both at once.
final class RowExecutor {
    let database: Database
    /// Indexed by `RowKind.rawValue`; nil for transaction control.
    private var rows: [PreparedRow?]
    /// The kinds with rows waiting in their batch, in the order of their first row.
    private var pendingKinds: [Int] = []
    /// When set, WAL checkpoints happen on its thread; told of every commit.
    var checkpointer: BackgroundCheckpointer?

    init(database: Database) throws {
        self.database = database
        try database.registerRowBatch()
        try database.registerJournalCompression()
        rows = try RowKind.allCases.map { kind in
            try kind.rowType.map { try PreparedRow($0, database: database) }
        }
        // Two kinds inserting into one table would have their rows reordered: the later kind
        // runs one by one.
        var batchedTables: Set<String> = []
        for index in rows.indices {
            guard rows[index]?.batch != nil, let table = rows[index]?.table else { continue }
            if !batchedTables.insert(table).inserted { rows[index]?.stopBatching() }
        }
    }

    func execute(_ buffer: RowBuffer) throws {
        try buffer.withEncoded { try execute($0) }
    }

    /// Runs every command in `commands`, in order. On a failure the transaction is left as it
    /// is: the caller rolls it back.
    func execute(_ commands: UnsafeRawBufferPointer) throws {
        guard let base = commands.baseAddress else { return }
        // The batches point into `commands`: nothing of them may outlive this call, failed or not.
        defer { dropPending() }
        var offset = 0
        while offset < commands.count {
            let kind = Int(base.load(fromByteOffset: offset, as: UInt8.self))
            offset += 1
            if let batch = rows[kind]?.batch {
                if batch.rows.isEmpty { pendingKinds.append(kind) }
                offset = batch.rows.appendRow(base, at: offset)
                continue
            }
            try runPending(base)
            guard let row = rows[kind] else {
                if kind == Int(RowKind.begin.rawValue) {
                    try database.beginImmediate()
                } else {
                    try database.commit()
                    checkpointer?.afterCommit(writer: database)
                }
                continue
            }
            let statement = row.statement
            statement.resetForRebinding()
            for parameter in row.parameters {
                try Self.bindValue(base, from: &offset, to: statement, at: parameter)
            }
            try statement.finishRun(boundCount: Int32(row.parameters.count))
        }
        try runPending(base)
    }

    /// Runs the gathered inserts, each kind's in one statement; a lone row with its own.
    private func runPending(_ base: UnsafeRawPointer) throws {
        guard !pendingKinds.isEmpty else { return }
        for kind in pendingKinds {
            guard let row = rows[kind], let batch = row.batch else { continue }
            if batch.rows.rowCount == 1 {
                var offset = batch.rows.firstRowOffset
                row.statement.resetForRebinding()
                for parameter in row.parameters {
                    try Self.bindValue(base, from: &offset, to: row.statement, at: parameter)
                }
                try row.statement.finishRun(boundCount: Int32(row.parameters.count))
            } else {
                batch.rows.base = base
                batch.statement.resetForRebinding()
                try batch.statement.bind(batch.rows, at: 1)
                try batch.statement.finishRun(boundCount: 1)
                batch.rows.base = nil
            }
            batch.rows.removeAll()
        }
        pendingKinds.removeAll(keepingCapacity: true)
    }

    private func dropPending() {
        for kind in pendingKinds {
            rows[kind]?.batch?.rows.removeAll()
            rows[kind]?.batch?.rows.base = nil
        }
        pendingKinds.removeAll(keepingCapacity: true)
    }

    /// Binds the value encoded at `offset` (moved past it).
    @inline(__always)
    private static func bindValue(_ base: UnsafeRawPointer, from offset: inout Int, to statement: Statement, at parameter: Int32) throws {
        let tag = base.load(fromByteOffset: offset, as: UInt8.self)
        offset += 1
        switch RowBuffer.Tag(rawValue: tag) {
        case .integer:
            try statement.bind(base.loadUnaligned(fromByteOffset: offset, as: Int64.self), at: parameter)
            offset += 8
        case .real:
            try statement.bind(base.loadUnaligned(fromByteOffset: offset, as: Double.self), at: parameter)
            offset += 8
        case .text, .blob:
            let length = Int(base.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
            let bytes = UnsafeRawBufferPointer(start: base + offset + 4, count: length)
            // Not copied: the buffer outlives this statement's run, and the next run binds
            // every parameter again before stepping.
            try statement.bind(unsafeBorrowing: bytes, asText: tag == RowBuffer.Tag.text.rawValue, at: parameter)
            offset += 4 + length
        case .null, nil:
            try statement.bindNull(at: parameter)
        }
    }
}
