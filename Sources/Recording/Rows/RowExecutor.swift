import Storage

/// Runs the commands of a `RowBuffer` on the writer connection: the recorder's only contact
/// with SQLite while it records lines.
///
/// Every row kind's statement is prepared, and checked against its row's columns, when the
/// executor is made (`PreparedRow`): a row whose fields and statement disagree fails there,
/// before any line is recorded.
///
/// Not `Sendable`: it belongs to whichever thread writes, the recorder's own (immediate
/// mode) or the pipeline's (`RowPipeline`), never both at once.
final class RowExecutor {
    let database: Database
    /// Indexed by `RowKind.rawValue`; nil for transaction control.
    private let rows: [PreparedRow?]
    /// When set, WAL checkpoints happen on its thread; told of every commit.
    var checkpointer: BackgroundCheckpointer?

    init(database: Database) throws {
        self.database = database
        rows = try RowKind.allCases.map { kind in
            try kind.rowType.map { try PreparedRow($0, database: database) }
        }
    }

    func execute(_ buffer: RowBuffer) throws {
        try buffer.withEncoded { try execute($0) }
    }

    /// Runs every command in `commands`, in order. On a failure the transaction is left as it
    /// is: the caller rolls it back.
    func execute(_ commands: UnsafeRawBufferPointer) throws {
        guard let base = commands.baseAddress else { return }
        var offset = 0
        while offset < commands.count {
            let kind = Int(base.load(fromByteOffset: offset, as: UInt8.self))
            offset += 1
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
