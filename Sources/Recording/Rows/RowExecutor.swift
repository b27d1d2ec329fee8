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

    /// Gathered appends (`RowStatement.isGathered`) go in `groupSize` rows at a time: each run
    /// of a statement costs SQLite about as much again as a small row (opening and closing its
    /// cursors, halting), and these are over half the rows: the journal row of every line, the
    /// agent statuses and the queue statistics. A gathered command waits (as the offset of its
    /// values in the commands) until its group is full, a commit comes, or the commands end.
    /// Nothing else in the transaction reads those tables and the writer connection checks no
    /// foreign keys, so the transaction commits the same rows with the same ids.
    static let groupSize = 16

    /// Whether appends are gathered: set while the pipeline runs whole buffers. Run at once
    /// (replay, tests, tools), each command comes alone and is inserted as it comes: gathering
    /// then only added work, 5 % of replay's instructions. Set only while no thread runs commands.
    var gathersAppends = false

    /// One gathered append: its statements and the rows waiting for it.
    private final class Gathering {
        let sql: (head: String, row: String)
        let database: Database
        /// By row count, 1 to `groupSize`, each prepared when first needed.
        private var statements: [Statement?]
        var waiting: [(offset: Int, valueCount: Int32)] = []

        init(sql: (head: String, row: String), single: Statement, database: Database) {
            self.sql = sql
            self.database = database
            statements = Array(repeating: nil, count: RowExecutor.groupSize + 1)
            statements[1] = single
            waiting.reserveCapacity(RowExecutor.groupSize)
        }

        /// Inserts the waiting rows in one statement.
        func insert(_ base: UnsafeRawPointer) throws {
            guard !waiting.isEmpty else { return }
            defer { waiting.removeAll(keepingCapacity: true) }
            let run = try statement(rows: waiting.count)
            run.resetForRebinding()
            var parameter: Int32 = 1
            for row in waiting {
                var offset = row.offset
                try RowExecutor.bindValues(base, from: &offset, count: row.valueCount, to: run, startingAt: parameter)
                parameter += row.valueCount
            }
            try run.finishRun(boundCount: parameter - 1)
        }

        private func statement(rows: Int) throws -> Statement {
            if let prepared = statements[rows] { return prepared }
            let prepared = try database.makeStatement(sql.head + Array(repeating: sql.row, count: rows).joined(separator: ", "))
            statements[rows] = prepared
            return prepared
        }
    }

    /// Indexed by `RowStatement.rawValue`: the gathering a command joins.
    private let gatherings: [Gathering?]
    private let allGatherings: [Gathering]

    init(database: Database) throws {
        self.database = database
        let statements = try RowStatement.allCases.map { statement in
            try statement.sql.map { try database.makeStatement($0) }
        }
        self.statements = statements
        let gatherings = RowStatement.allCases.map { statement -> Gathering? in
            guard let sql = statement.multiRowSQL, let single = statements[Int(statement.rawValue)] else { return nil }
            return Gathering(sql: sql, single: single, database: database)
        }
        self.gatherings = gatherings
        allGatherings = gatherings.compactMap { $0 }
    }

    /// Runs every command in `commands`, in order, gathered appends aside (see `groupSize`).
    /// On a failure the transaction is left as it is: the caller rolls it back.
    func execute(_ commands: UnsafeRawBufferPointer) throws {
        guard let base = commands.baseAddress else { return }
        guard gathersAppends else {
            try executeEach(base, count: commands.count)
            return
        }
        defer { for gathering in allGatherings { gathering.waiting.removeAll(keepingCapacity: true) } }
        var offset = 0
        while offset < commands.count {
            let raw = Int(base.load(fromByteOffset: offset, as: UInt8.self))
            let valueCount = Int32(base.load(fromByteOffset: offset + 1, as: UInt8.self))
            offset += 2
            if let gathering = gatherings[raw] {
                gathering.waiting.append((offset, valueCount))
                offset = Self.skipValues(base, from: offset, count: valueCount)
                if gathering.waiting.count == Self.groupSize {
                    try gathering.insert(base)
                }
                continue
            }
            if raw == Int(RowStatement.commit.rawValue) {
                try insertWaitingRows(base)  // the batch's rows, all of them, before its COMMIT
            }
            try run(raw, valueCount, base, from: &offset)
        }
        try insertWaitingRows(base)
    }

    /// Every command as it comes (`gathersAppends` off).
    private func executeEach(_ base: UnsafeRawPointer, count: Int) throws {
        var offset = 0
        while offset < count {
            let raw = Int(base.load(fromByteOffset: offset, as: UInt8.self))
            let valueCount = Int32(base.load(fromByteOffset: offset + 1, as: UInt8.self))
            offset += 2
            try run(raw, valueCount, base, from: &offset)
        }
    }

    /// Runs one command whose values start at `offset` (moved past them).
    @inline(__always)
    private func run(_ raw: Int, _ valueCount: Int32, _ base: UnsafeRawPointer, from offset: inout Int) throws {
        guard let statement = statements[raw] else {
            if raw == Int(RowStatement.begin.rawValue) {
                try database.beginImmediate()
            } else {
                try database.commit()
                checkpointer?.afterCommit(writer: database)
            }
            return
        }
        statement.resetForRebinding()
        try Self.bindValues(base, from: &offset, count: valueCount, to: statement, startingAt: 1)
        try statement.finishRun(boundCount: valueCount)
    }

    private func insertWaitingRows(_ base: UnsafeRawPointer) throws {
        for gathering in allGatherings {
            try gathering.insert(base)
        }
    }

    /// Binds `count` encoded values from `offset` (moved past them) to parameters from `first` on.
    @inline(__always)
    private static func bindValues(_ base: UnsafeRawPointer, from offset: inout Int, count: Int32, to statement: Statement,
                                   startingAt first: Int32) throws {
        var parameter = first
        while parameter < first + count {
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
    }

    /// The offset just past `count` encoded values from `offset`.
    private static func skipValues(_ base: UnsafeRawPointer, from offset: Int, count: Int32) -> Int {
        var offset = offset
        for _ in 0..<count {
            let tag = base.load(fromByteOffset: offset, as: UInt8.self)
            offset += 1
            switch RowBuffer.Tag(rawValue: tag) {
            case .integer, .real: offset += 8
            case .text, .blob: offset += 4 + Int(base.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
            case .null, nil: break
            }
        }
        return offset
    }

    func execute(_ buffer: RowBuffer) throws {
        try buffer.withEncoded { try execute($0) }
    }
}
