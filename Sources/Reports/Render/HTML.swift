/// A fragment of HTML that is safe to place in a page: built only by escaping text or by this
/// target's own markup. Server-supplied strings enter only through `HTML.text`.
public struct HTML: Sendable, Equatable, CustomStringConvertible {
    public private(set) var markup: String

    /// Markup written by this target (tags, attributes with our own values).
    init(trusted markup: String) { self.markup = markup }

    public init() { self.markup = "" }

    /// Text, escaped: `& < > " '` become entities, control characters and noncharacters U+FFFD.
    public static func text(_ value: String) -> HTML {
        HTML(trusted: escape(value))
    }

    public static func escape(_ value: String) -> String {
        var text = ""
        text.reserveCapacity(value.utf8.count)
        for scalar in TextSanitizer.clean(value).unicodeScalars {
            switch scalar {
            case "&": text += "&amp;"
            case "<": text += "&lt;"
            case ">": text += "&gt;"
            case "\"": text += "&quot;"
            case "'": text += "&#39;"
            default: text.unicodeScalars.append(scalar)
            }
        }
        return text
    }

    public var description: String { markup }

    public static func + (lhs: HTML, rhs: HTML) -> HTML { HTML(trusted: lhs.markup + rhs.markup) }

    public static func += (lhs: inout HTML, rhs: HTML) { lhs.markup += rhs.markup }

    /// `<tag attributes>content</tag>`; the attributes are this target's own constants.
    static func element(_ tag: String, _ attributes: String = "", _ content: HTML) -> HTML {
        HTML(trusted: "<\(tag)\(attributes.isEmpty ? "" : " " + attributes)>\(content.markup)</\(tag)>")
    }

    static func joined(_ parts: [HTML], separator: String = "") -> HTML {
        HTML(trusted: parts.map(\.markup).joined(separator: separator))
    }
}

/// `{{name}}` placeholders filled with HTML fragments. Nothing else is interpreted: no
/// expressions, loops or includes, and a placeholder the code does not provide is an error
/// (a typo in an edited template must not silently drop a section).
public struct HTMLTemplate: Sendable {
    public let name: String
    let parts: [Part]

    enum Part: Sendable {
        case literal(String)
        case placeholder(String)
    }

    public init(name: String, text: String) throws(ReportError) {
        self.name = name
        var parts: [Part] = []
        var rest = Substring(text)
        while let open = rest.range(of: "{{") {
            parts.append(.literal(String(rest[..<open.lowerBound])))
            let afterOpen = rest[open.upperBound...]
            guard let close = afterOpen.range(of: "}}") else {
                throw ReportError("reports/\(name): a '{{' is never closed with '}}'")
            }
            let key = afterOpen[..<close.lowerBound].trimmingCharacters(in: .whitespaces)
            guard !key.isEmpty, key.unicodeScalars.allSatisfy({ ($0 >= "a" && $0 <= "z") || ($0 >= "0" && $0 <= "9") || $0 == "_" }) else {
                throw ReportError("reports/\(name): '{{\(key)}}' is not a placeholder name (lower-case letters, digits and _)")
            }
            parts.append(.placeholder(key))
            rest = afterOpen[close.upperBound...]
        }
        parts.append(.literal(String(rest)))
        self.parts = parts
    }

    public var placeholders: [String] {
        parts.compactMap { if case .placeholder(let name) = $0 { return name } else { return nil } }
    }

    public func render(_ values: [String: HTML]) throws(ReportError) -> String {
        var text = ""
        for part in parts {
            switch part {
            case .literal(let literal):
                text += literal
            case .placeholder(let key):
                guard let value = values[key] else {
                    throw ReportError("reports/\(name): unknown placeholder {{\(key)}}; known: \(values.keys.sorted().joined(separator: ", "))")
                }
                text += value.markup
            }
        }
        return text
    }
}

/// The files of `reports/`, compiled into the binary.
public enum ReportAssets {
    public static func text(_ name: String) throws(ReportError) -> String {
        guard let text = EmbeddedReportAssets.files[name] else {
            throw ReportError("reports/\(name) is missing from this build of callstats")
        }
        return text
    }

    public static func template(_ name: String) throws(ReportError) -> HTMLTemplate {
        try HTMLTemplate(name: name, text: text(name))
    }

    /// The stylesheet, safe to inline in `<style>` (it cannot close the element).
    public static func stylesheet() throws(ReportError) -> HTML {
        let css = try text("style.css")
        guard !css.lowercased().contains("</style") else {
            throw ReportError("reports/style.css must not contain '</style'")
        }
        return HTML(trusted: css)
    }
}

extension HTML {
    /// A table of report cells. Numbers are right-aligned; every text cell is escaped.
    static func table(_ table: ReportTable, headers: [String]? = nil, caption: String? = nil) -> HTML {
        var markup = "<div class=\"table-wrap\"><table>"
        if let caption { markup += "<caption>" + escape(caption) + "</caption>" }
        markup += "<thead><tr>"
        for header in headers ?? table.columns {
            markup += "<th scope=\"col\">" + escape(header) + "</th>"
        }
        markup += "</tr></thead><tbody>"
        for row in table.rows {
            markup += "<tr>"
            for cell in row {
                switch cell {
                case .empty: markup += "<td class=\"num empty\"></td>"
                case .number(let value): markup += "<td class=\"num\">" + escape(value) + "</td>"
                case .time(let value): markup += "<td class=\"time\">" + escape(value) + "</td>"
                case .text(let value): markup += "<td>" + escape(value) + "</td>"
                }
            }
            markup += "</tr>"
        }
        if table.rows.isEmpty {
            markup += "<tr><td class=\"none\" colspan=\"\(max(1, (headers ?? table.columns).count))\">No rows for this day.</td></tr>"
        }
        markup += "</tbody></table></div>"
        return HTML(trusted: markup)
    }
}
