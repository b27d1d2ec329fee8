/// Inline SVG charts: no script, no external resource; sized by their viewBox so they shrink
/// on a phone and print crisply. Every label from the server is escaped.
enum Charts {
    static func number(_ value: Double) -> String { NumberFormat.decimal(value) }

    /// The smallest 1, 2 or 5 x 10^k at or above `value` (at least 1).
    static func niceCeiling(_ value: Double) -> Double {
        guard value > 1 else { return 1 }
        var magnitude = 1.0
        while magnitude * 10 <= value { magnitude *= 10 }
        for step in [1.0, 2, 5, 10] where step * magnitude >= value {
            return step * magnitude
        }
        return 10 * magnitude
    }

    static func truncated(_ text: String, _ limit: Int) -> String {
        text.count <= limit ? text : String(text.prefix(limit - 1)) + "…"
    }

    // MARK: Horizontal bars: occupancy per agent

    struct Bar {
        var label: String
        var value: Double?
        var note: String
    }

    /// One bar per item, 0 to 100 %.
    static func percentBars(_ bars: [Bar], title: String, emptyNote: String) -> HTML {
        guard !bars.isEmpty else { return HTML(trusted: "<p class=\"none\">\(HTML.escape(emptyNote))</p>") }
        let rowHeight = 22.0
        let labelWidth = 210.0
        let barWidth = 420.0
        let width = labelWidth + barWidth + 190
        let top = 24.0
        let height = top + rowHeight * Double(bars.count) + 8
        var svg = "<svg class=\"chart bars\" viewBox=\"0 0 \(number(width)) \(number(height))\" role=\"img\" aria-label=\"\(HTML.escape(title))\" preserveAspectRatio=\"xMinYMin meet\">"
        svg += "<title>\(HTML.escape(title))</title>"
        for tick in stride(from: 0.0, through: 100, by: 25) {
            let x = labelWidth + barWidth * tick / 100
            svg += "<line class=\"grid\" x1=\"\(number(x))\" y1=\"\(number(top - 4))\" x2=\"\(number(x))\" y2=\"\(number(height - 6))\"/>"
            svg += "<text class=\"axis\" x=\"\(number(x))\" y=\"\(number(top - 9))\" text-anchor=\"middle\">\(Int(tick)) %</text>"
        }
        for (index, bar) in bars.enumerated() {
            let y = top + rowHeight * Double(index)
            svg += "<text class=\"label\" x=\"\(number(labelWidth - 8))\" y=\"\(number(y + 15))\" text-anchor=\"end\">\(HTML.escape(truncated(bar.label, 30)))</text>"
            if let value = bar.value {
                let length = barWidth * min(max(value, 0), 100) / 100
                svg += "<rect class=\"bar\" x=\"\(number(labelWidth))\" y=\"\(number(y + 4))\" width=\"\(number(length))\" height=\"\(number(rowHeight - 8))\" rx=\"2\"/>"
                svg += "<text class=\"value\" x=\"\(number(labelWidth + barWidth + 8))\" y=\"\(number(y + 15))\">\(HTML.escape(bar.note))</text>"
            } else {
                svg += "<text class=\"value muted\" x=\"\(number(labelWidth + 6))\" y=\"\(number(y + 15))\">\(HTML.escape(bar.note))</text>"
            }
        }
        svg += "</svg>"
        return HTML(trusted: svg)
    }

    // MARK: Time series: EWT and waiting calls per queue

    struct Series {
        var name: String
        var cssClass: String
        /// (period, value); nil values break the line.
        var points: [(Period, Double?)]
    }

    /// A small chart over `range`: the first series as a line on the left axis, the second as
    /// a shaded step area on the right axis. Ticks every `tickEvery` seconds of wall clock.
    static func timeSeries(title: String, range: Period, line: Series, area: Series, ticks: [(Double, String)]) -> HTML {
        let width = 420.0
        let height = 170.0
        let left = 40.0, right = 36.0, top = 14.0, bottom = 24.0
        let plotWidth = width - left - right
        let plotHeight = height - top - bottom
        func x(_ time: Double) -> Double { left + plotWidth * (time - range.start) / max(range.length, 1) }
        let lineMax = niceCeiling(line.points.compactMap(\.1).max() ?? 0)
        let areaMax = niceCeiling(area.points.compactMap(\.1).max() ?? 0)
        func yLine(_ value: Double) -> Double { top + plotHeight * (1 - value / lineMax) }
        func yArea(_ value: Double) -> Double { top + plotHeight * (1 - value / areaMax) }

        var svg = "<svg class=\"chart series\" viewBox=\"0 0 \(number(width)) \(number(height))\" role=\"img\" aria-label=\"\(HTML.escape(title))\">"
        svg += "<title>\(HTML.escape(title))</title>"
        // Grid and axes.
        for fraction in [0.0, 0.5, 1.0] {
            let y = top + plotHeight * (1 - fraction)
            svg += "<line class=\"grid\" x1=\"\(number(left))\" y1=\"\(number(y))\" x2=\"\(number(width - right))\" y2=\"\(number(y))\"/>"
            svg += "<text class=\"axis line-axis\" x=\"\(number(left - 5))\" y=\"\(number(y + 4))\" text-anchor=\"end\">\(number(lineMax * fraction))</text>"
            svg += "<text class=\"axis area-axis\" x=\"\(number(width - right + 5))\" y=\"\(number(y + 4))\">\(number(areaMax * fraction))</text>"
        }
        for (time, label) in ticks where time >= range.start && time <= range.end {
            svg += "<line class=\"grid\" x1=\"\(number(x(time)))\" y1=\"\(number(top))\" x2=\"\(number(x(time)))\" y2=\"\(number(top + plotHeight))\"/>"
            svg += "<text class=\"axis\" x=\"\(number(x(time)))\" y=\"\(number(height - 8))\" text-anchor=\"middle\">\(HTML.escape(label))</text>"
        }
        // The area: steps, one rectangle-like run per known value.
        var runs: [[String]] = []
        var current: [String] = []
        for (period, value) in area.points {
            guard let value else {
                if !current.isEmpty { runs.append(current); current = [] }
                continue
            }
            if current.isEmpty { current.append("\(number(x(period.start))),\(number(yArea(0)))") }
            current.append("\(number(x(period.start))),\(number(yArea(value)))")
            current.append("\(number(x(period.end))),\(number(yArea(value)))")
        }
        if !current.isEmpty { runs.append(current) }
        for run in runs {
            guard let last = run.last, let lastX = last.split(separator: ",").first else { continue }
            svg += "<polygon class=\"\(area.cssClass)\" points=\"\(run.joined(separator: " ")) \(lastX),\(number(yArea(0)))\"/>"
        }
        // The line: midpoints of the periods, broken where nothing is known.
        var segments: [[String]] = []
        current = []
        for (period, value) in line.points {
            guard let value else {
                if !current.isEmpty { segments.append(current); current = [] }
                continue
            }
            current.append("\(number(x((period.start + period.end) / 2))),\(number(yLine(value)))")
        }
        if !current.isEmpty { segments.append(current) }
        for segment in segments {
            if segment.count == 1 {
                let parts = segment[0].split(separator: ",")
                svg += "<circle class=\"\(line.cssClass) dot\" cx=\"\(parts[0])\" cy=\"\(parts.count > 1 ? parts[1] : "0")\" r=\"2\"/>"
            } else {
                svg += "<polyline class=\"\(line.cssClass)\" points=\"\(segment.joined(separator: " "))\"/>"
            }
        }
        svg += "</svg>"
        return HTML(trusted: svg)
    }

    // MARK: Vertical bars: missed calls by hour

    struct HourBar {
        var label: String
        var offered: Int
        var missedQueue: Int
        var missedUser: Int
    }

    static func hourBars(_ hours: [HourBar], title: String) -> HTML {
        let width = 760.0
        let height = 220.0
        let left = 36.0, right = 10.0, top = 12.0, bottom = 26.0
        let plotWidth = width - left - right
        let plotHeight = height - top - bottom
        // Counts: a maximum divisible by 4, so the five grid lines fall on whole calls.
        let peak = Double(hours.map { max($0.offered, $0.missedQueue + $0.missedUser) }.max() ?? 0)
        let maximum = peak <= 8 ? max(4, (peak / 4).rounded(.up) * 4) : niceCeiling(peak / 4) * 4
        let slot = plotWidth / Double(max(hours.count, 1))
        func y(_ value: Double) -> Double { top + plotHeight * (1 - value / maximum) }
        var svg = "<svg class=\"chart hours\" viewBox=\"0 0 \(number(width)) \(number(height))\" role=\"img\" aria-label=\"\(HTML.escape(title))\">"
        svg += "<title>\(HTML.escape(title))</title>"
        for fraction in [0.0, 0.25, 0.5, 0.75, 1.0] {
            let value = maximum * fraction
            svg += "<line class=\"grid\" x1=\"\(number(left))\" y1=\"\(number(y(value)))\" x2=\"\(number(width - right))\" y2=\"\(number(y(value)))\"/>"
            svg += "<text class=\"axis\" x=\"\(number(left - 5))\" y=\"\(number(y(value) + 4))\" text-anchor=\"end\">\(number(value))</text>"
        }
        for (index, hour) in hours.enumerated() {
            let x = left + slot * Double(index)
            let barWidth = slot * 0.72
            let inset = (slot - barWidth) / 2
            svg += "<rect class=\"offered\" x=\"\(number(x + inset))\" y=\"\(number(y(Double(hour.offered))))\" width=\"\(number(barWidth))\" height=\"\(number(y(0) - y(Double(hour.offered))))\"><title>\(HTML.escape("\(hour.label) h: \(hour.offered) offered, \(hour.missedQueue) missed in queues, \(hour.missedUser) missed direct"))</title></rect>"
            let queueTop = y(Double(hour.missedQueue))
            svg += "<rect class=\"missed-queue\" x=\"\(number(x + inset + barWidth * 0.2))\" y=\"\(number(queueTop))\" width=\"\(number(barWidth * 0.6))\" height=\"\(number(y(0) - queueTop))\"/>"
            let userTop = y(Double(hour.missedQueue + hour.missedUser))
            svg += "<rect class=\"missed-user\" x=\"\(number(x + inset + barWidth * 0.2))\" y=\"\(number(userTop))\" width=\"\(number(barWidth * 0.6))\" height=\"\(number(queueTop - userTop))\"/>"
            if hours.count <= 26 || index % 2 == 0 {
                svg += "<text class=\"axis\" x=\"\(number(x + slot / 2))\" y=\"\(number(height - 9))\" text-anchor=\"middle\">\(HTML.escape(hour.label))</text>"
            }
        }
        svg += "</svg>"
        return HTML(trusted: svg)
    }
}
