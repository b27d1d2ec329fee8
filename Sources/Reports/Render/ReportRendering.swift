import Storage

/// A report written in one format: the one path of `callstats report KIND` and of `serve`'s
/// `/api/v1/reports/KIND` and `/reports` form, so every one of them prints the same bytes.
public enum ReportRendering {
    /// One snapshot of `database`; CSV and JSON stream row by row, the table and the HTML page
    /// need every row first. `width`: the terminal columns a table fits.
    public static func render<Output: TextOutput>(
        _ kind: ReportKind, format: ReportFormat, database: Database, parameters: ReportParameters, width: Int,
        into output: inout Output
    ) throws {
        try ReportQueries.tune(database)
        try database.read {
            let queries = try ReportQueries(database: database, parameters: parameters)
            let columns = queries.columns(of: kind)
            switch format {
            case .csv:
                try output.write(CSV.header(columns))
                try queries.run(kind) { try output.write(CSV.line($0)) }
            case .json:
                var first = true
                try output.write("[")
                try queries.run(kind) { cells in
                    try output.write((first ? "\n" : ",\n") + JSONText.object(columns: columns, cells: cells))
                    first = false
                }
                try output.write(first ? "]\n" : "\n]\n")
            case .xlsx:
                // Bytes, not text: `renderWorkbook` writes a workbook.
                throw ReportRenderingError.workbookIsNotText
            case .table, .html:
                var table = ReportTable(columns: columns)
                try queries.run(kind) { table.rows.append($0) }
                if format == .table {
                    let readable = ReadableTable.make(table)
                    try output.write(TextTable.render(readable.table, width: width, keyColumns: readable.keyColumns))
                } else {
                    try output.write(ReportPage.render(kind: kind, parameters: parameters, coverage: queries.coverage, table: table))
                }
            }
        }
    }

    /// One sheet of the report's rows, streamed as the queries give them.
    public static func renderWorkbook(
        _ kind: ReportKind, database: Database, parameters: ReportParameters, into output: ByteOutput
    ) throws -> SheetWarnings {
        try ReportQueries.tune(database)
        return try database.read {
            let queries = try ReportQueries(database: database, parameters: parameters)
            let writer = XLSXWriter(output: output)
            let sheet = try ReportSheet(writer, name: kind.rawValue, columns: queries.columns(of: kind), calendar: parameters.calendar)
            try queries.run(kind) { try sheet.add($0) }
            return try writer.finish()
        }
    }
}

public enum ReportRenderingError: Error, CustomStringConvertible {
    case workbookIsNotText

    public var description: String {
        switch self {
        case .workbookIsNotText: return "an xlsx workbook is bytes, not text: it is written by renderWorkbook"
        }
    }
}
