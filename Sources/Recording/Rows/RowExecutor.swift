import Storage

/// Runs the commands of a `RowBuffer` on the writer connection: the recorder's only contact
/// with SQLite while it records lines.
///
/// Not `Sendable`: it belongs to whichever thread writes, the recorder's own (immediate
/// mode) or the pipeline's (`RowPipeline`), never both at once.
final class RowExecutor {
    let database: Database
    /// Indexed by `RowStatement.rawValue`; nil for transaction control.
    private let statements: [Statement?]
    /// When set, WAL checkpoints happen on its thread; told of every commit.
    var checkpointer: BackgroundCheckpointer?

    init(database: Database) throws {
        self.database = database
        statements = try RowStatement.allCases.map { statement in
            try statement.sql.map { try database.makeStatement($0) }
        }
    }

    /// Runs every command in `commands`, in order. On a failure the transaction is left as it
    /// is: the caller rolls it back.
    func execute(_ commands: UnsafeRawBufferPointer) throws {
        guard let base = commands.baseAddress else { return }
        var offset = 0
        while offset < commands.count {
            let raw = base.load(fromByteOffset: offset, as: UInt8.self)
            let valueCount = Int32(base.load(fromByteOffset: offset + 1, as: UInt8.self))
            offset += 2
            guard let statement = statements[Int(raw)] else {
                if raw == RowStatement.begin.rawValue {
                    try database.beginImmediate()
                } else {
                    try database.commit()
                    checkpointer?.afterCommit(writer: database)
                }
                continue
            }
            statement.resetForRebinding()
            var parameter: Int32 = 1
            while parameter <= valueCount {
                defer { parameter += 1 }
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
                    // Not copied: the buffer outlives this statement's run, and the next run
                    // binds every parameter again before stepping.
                    try statement.bind(unsafeBorrowing: bytes, asText: tag == RowBuffer.Tag.text.rawValue, at: parameter)
                    offset += 4 + length
                case .null, nil:
                    try statement.bindNull(at: parameter)
                }
            }
            try statement.finishRun(boundCount: valueCount)
        }
    }

    func execute(_ buffer: RowBuffer) throws {
        try buffer.withEncoded { try execute($0) }
    }
}
