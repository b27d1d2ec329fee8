/// Wording shared by the pages.
enum Words {
    /// `2 h 05 min`, `27 min 55 s`, `12 s`.
    static func duration(_ seconds: Double) -> String {
        let total = Int(seconds.rounded())
        let hours = total / 3600
        let minutes = total / 60 % 60
        let secs = total % 60
        if hours > 0 { return "\(hours) h " + (minutes < 10 ? "0" : "") + "\(minutes) min" }
        if minutes > 0 { return "\(minutes) min " + (secs < 10 ? "0" : "") + "\(secs) s" }
        return "\(secs) s"
    }

    static func percent(_ value: Double?) -> String {
        guard let value else { return "–" }
        return NumberFormat.decimal((value * 10).rounded() / 10) + " %"
    }

    static func rangeDescription(_ parameters: ReportParameters) -> String {
        let calendar = parameters.calendar
        let range = parameters.range
        let firstDay = calendar.day(containing: range.start)
        if let dayRange = try? calendar.range(of: firstDay), dayRange == range {
            let hours = NumberFormat.decimal(range.length / 3600)
            return "\(firstDay) (\(calendar.timeZoneIdentifier), a day of \(hours) hours)"
        }
        return "\(calendar.wallClock(range.start)) to \(calendar.wallClock(range.end)) (\(calendar.timeZoneIdentifier))"
    }

    /// The coverage of a range, and every gap, in words.
    static func coverage(_ coverage: Coverage, calendar: ReportCalendar) -> HTML {
        let covered = coverage.covered(coverage.range)
        let length = coverage.range.length
        var markup = "<p class=\"coverage-summary\">"
        if coverage.spans.isEmpty {
            markup += "<strong>No data was collected in this range.</strong> The collector was not connected: every figure is empty."
            return HTML(trusted: markup + "</p>")
        }
        let gaps = coverage.gaps
        if gaps.isEmpty {
            markup += "The collector was connected for the whole range (\(HTML.escape(duration(length)))): every figure covers all of it."
            return HTML(trusted: markup + "</p>")
        }
        markup += "The collector was connected for \(HTML.escape(duration(covered))) of \(HTML.escape(duration(length))) (\(HTML.escape(percent(100 * covered / length)))). "
        markup += "Nothing is known about the \(gaps.count == 1 ? "gap" : "\(gaps.count) gaps") below: no state is assumed to continue through a gap, so durations, averages and counts leave that time out.</p>"
        markup += "<ul class=\"gaps\">"
        for gap in gaps {
            let sameDay = calendar.day(containing: gap.start) == calendar.day(containing: gap.end)
            let from = calendar.wallClock(gap.start, withDate: !sameDay)
            let to = calendar.wallClock(gap.end, withDate: !sameDay)
            markup += "<li><span class=\"gap-time\">\(HTML.escape(from)) – \(HTML.escape(to))</span> <span class=\"muted\">no data for \(HTML.escape(duration(gap.length)))</span></li>"
        }
        return HTML(trusted: markup + "</ul>")
    }
}

/// `--format html` for one report: the table on a page of its own.
public enum ReportPage {
    public static func render(kind: ReportKind, parameters: ReportParameters, coverage: Coverage, table: ReportTable) throws -> String {
        let template = try ReportAssets.template("report.html")
        let title = kind.title + " – " + Words.rangeDescription(parameters)
        return try template.render([
            "title": .text(title),
            "style": try ReportAssets.stylesheet(),
            "heading": .text(kind.title),
            // One row per call: no period, so no interval to state.
            "subtitle": .text(Words.rangeDescription(parameters) + (kind == .callsMissed ? "" : " · interval \(parameters.interval)")),
            "coverage": Words.coverage(coverage, calendar: parameters.calendar),
            "table": HTML.table(table, headers: table.columns.map(ColumnLabels.htmlHeader)),
        ])
    }
}
