import Storage

/// A row the recorder writes: a value with labelled fields, its statement with named
/// parameters (`:agent_id`), and which field each parameter takes.
///
/// Fields are bound by name, never by position. When a `RowExecutor` prepares a row kind's
/// statement it checks that every column names one of the statement's parameters and that
/// every parameter is named by exactly one column (`PreparedRow`), so a statement and its row
/// cannot drift apart unnoticed. An `INSERT`'s SQL is made from the columns themselves
/// (`RowSQL.insert`), so its column list and its values cannot be out of order either.
protocol RecordedRow {
    /// Which row this is in a `RowBuffer` (one byte, before its values).
    static var rowKind: RowKind { get }
    static var sql: String { get }
    /// Each parameter of `sql` (without its `:`) and the field bound to it.
    static var columns: [RowColumn<Self>] { get }
}

/// One parameter of a row's statement and the field of the row it takes.
struct RowColumn<Row>: Sendable {
    let name: String
    let encode: @Sendable (Row, RowBuffer) -> Void

    init<Value: RowValue>(_ name: String, _ field: @escaping @Sendable (Row) -> Value) {
        self.name = name
        self.encode = { row, buffer in field(row).encode(into: buffer) }
    }
}

enum RowSQL {
    /// `INSERT INTO table (a, b) VALUES (:a, :b)`, from the columns, in their order
    /// (`INSERT OR REPLACE`: a row with the same key is replaced). `through`: a column whose
    /// value goes through an SQL function of one argument, `f(:a)` (a journal block's lines
    /// through `journal_compress`).
    static func insert<Row>(into table: String, _ columns: [RowColumn<Row>], orReplace: Bool = false,
                            through function: (name: String, column: String)? = nil) -> String {
        let names = columns.map(\.name)
        let values = names.map { name in name == function?.column ? "\(function?.name ?? "")(:\(name))" : ":" + name }
        return "INSERT\(orReplace ? " OR REPLACE" : "") INTO \(table) (\(names.joined(separator: ", "))) VALUES (\(values.joined(separator: ", ")))"
    }

    /// The same rows as `insert(into:)`, all of a `RowBatch` in one statement. `OR FAIL`: a
    /// failure keeps the rows before it, where a plain insert of many rows has SQLite journal
    /// every page it changes to undo them (a statement journal, in a temporary file): the
    /// executor's caller rolls the whole transaction back on any failure anyway.
    static func insertBatch(into table: String, _ columns: [String]) -> String {
        let values = columns.indices.map { "c\($0)" }
        return "INSERT OR FAIL INTO \(table) (\(columns.joined(separator: ", "))) SELECT \(values.joined(separator: ", ")) FROM row_batch(:batch)"
    }

    /// The table `sql` inserts into when `insert(into:)` made it from `columns` (a plain insert,
    /// not OR REPLACE); nil for any other statement.
    static func plainInsertTable<Row>(_ sql: String, _ columns: [RowColumn<Row>]) -> String? {
        let prefix = "INSERT INTO "
        guard sql.hasPrefix(prefix) else { return nil }
        let table = String(sql.dropFirst(prefix.count).prefix { $0 != " " })
        return insert(into: table, columns) == sql ? table : nil
    }
}

/// A row's statement and its columns disagree: found when the statement is prepared, before
/// any row is written.
struct RowDefinitionError: Error, CustomStringConvertible {
    let row: String
    let problem: String
    let sql: String

    var description: String { "row \(row): \(problem) (in \(sql))" }
}

/// A row kind's statement, prepared and checked against its columns: `parameters[i]` is where
/// the i-th column's value is bound.
struct PreparedRow {
    let statement: Statement
    let parameters: [Int32]
    /// For a plain insert: the statement that inserts many such rows at once, and the rows
    /// waiting for it (`RowExecutor`).
    private(set) var batch: (statement: Statement, rows: RowBatch)?
    /// The table a plain insert writes.
    private(set) var table: String?

    init<Row: RecordedRow>(_ type: Row.Type, database: Database) throws {
        let statement = try database.makeStatement(Row.sql)
        try self.init(statement: statement, columns: Row.columns.map(\.name), row: "\(Row.self)")
        table = RowSQL.plainInsertTable(Row.sql, Row.columns)
        if let table, Row.columns.count <= RowBatch.maximumColumns {
            let batchStatement = try database.makeStatement(RowSQL.insertBatch(into: table, Row.columns.map(\.name)))
            batch = (batchStatement, RowBatch(columnCount: Row.columns.count))
        }
    }

    /// Runs this kind's inserts one by one, as any other statement.
    mutating func stopBatching() {
        batch = nil
    }

    /// Checks that `columns` and the statement's named parameters match one to one.
    init(statement: Statement, columns: [String], row: String) throws {
        func failure(_ problem: String) -> RowDefinitionError {
            RowDefinitionError(row: row, problem: problem, sql: statement.sql)
        }
        var parameters: [Int32] = []
        for name in columns {
            let index = statement.parameterIndex(named: ":" + name)
            guard index > 0 else { throw failure("column \(name) names no parameter :\(name) of its statement") }
            guard !parameters.contains(index) else { throw failure("column \(name) is bound twice") }
            parameters.append(index)
        }
        for index in 1...max(statement.parameterCount, 1) where statement.parameterCount > 0 && !parameters.contains(index) {
            let name = statement.parameterName(at: index) ?? "?\(index)"
            throw failure("parameter \(name) is bound by no column")
        }
        self.statement = statement
        self.parameters = parameters
    }
}
