import Storage

/// Where the recorder's rows go: each statement is encoded in a `RowBuffer`, then either run
/// at once on the recorder's thread (immediate mode: replay, tests, tools) or handed to a
/// `RowPipeline` that runs it on a thread of its own (live collection).
///
/// Both modes run the same encoded commands in the same order on the same connection, so
/// they write the same rows; only when they run differs.
final class RowWriter {
    private(set) var buffer = RowBuffer()
    let executor: RowExecutor
    private(set) var pipeline: RowPipeline?
    /// Intervals and visits opened in this batch, written once they end or at the commit.
    private var open = OpenRows()
    /// A buffer this large is handed over without waiting for the commit, so the pipeline's
    /// thread starts on a batch while the recorder is still making it. Each hand-off may wake
    /// the other thread, which costs a system call or two: larger buffers, fewer wake-ups.
    static let handOffBytes = 128 * 1024

    init(database: Database) throws {
        executor = try RowExecutor(database: database)
    }

    /// Writes `row` (at once, or on the pipeline's thread), or folds it into an open row
    /// (`OpenRows`).
    @inline(__always)
    func write<Row: RecordedRow>(_ row: Row) throws {
        switch open.fold(row) {
        case .held: return
        case .unchanged(let row): try encode(row)
        case .interval(let row): try encode(row)
        case .visit(let row): try encode(row)
        }
    }

    @inline(__always)
    private func encode<Row: RecordedRow>(_ row: Row) throws {
        buffer.append(row)
        try commandAdded()
    }

    /// Writes the open rows as they stand: before a commit, and before the recorder reads
    /// the database.
    private func writeOpenRows() throws {
        guard !open.isEmpty else { return }
        let held = open.takeAll()
        for row in held.intervals { try encode(row) }
        for row in held.visits { try encode(row) }
    }

    func begin() throws {
        buffer.appendKind(.begin)
        try commandAdded()
    }

    func commit() throws {
        try writeOpenRows()
        buffer.appendKind(.commit)
        if let pipeline {
            buffer = try pipeline.submit(buffer, commits: true)
        } else {
            try commandAdded()
        }
    }

    /// Runs the command just encoded (immediate mode), or hands the buffer over once it is
    /// large enough (pipelined).
    @inline(__always)
    private func commandAdded() throws {
        if let pipeline {
            if buffer.count >= Self.handOffBytes {
                buffer = try pipeline.submit(buffer, commits: false)
            }
        } else {
            defer { buffer.removeAll() }
            try executor.execute(buffer)
        }
    }

    /// Hands what is encoded to the pipeline (nothing to do in immediate mode).
    func handOff() throws {
        guard let pipeline, !buffer.isEmpty else { return }
        buffer = try pipeline.submit(buffer, commits: false)
    }

    /// Waits until everything encoded so far has run, so that the caller may use the
    /// connection itself. Throws the pipeline's failure, if any.
    func drain() throws {
        try writeOpenRows()
        guard let pipeline else { return }
        try handOff()
        try pipeline.drain()
    }

    /// Drops what was not run yet and rolls the open transaction back: the session is being
    /// abandoned. What the pipeline was given before runs first (it may hold a commit), unless
    /// it failed, in which case it dropped the rest itself.
    func rollBackPending() {
        open.removeAll()
        buffer.removeAll()
        if let pipeline {
            try? pipeline.drain()
            pipeline.reset()
        }
        executor.database.rollback()
    }

    /// Moves the row commands to a thread of their own (live collection).
    @discardableResult
    func startPipeline() -> RowPipeline {
        if let pipeline { return pipeline }
        let pipeline = RowPipeline(executor: executor)
        pipeline.start()
        self.pipeline = pipeline
        return pipeline
    }

    /// Runs what is pending, ends the pipeline's thread, and goes back to immediate mode.
    func stopPipeline() {
        guard let pipeline else { return }
        try? handOff()
        pipeline.stop()
        self.pipeline = nil
    }

    deinit {
        pipeline?.stop()
    }
}
