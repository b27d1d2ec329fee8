import Foundation

/// A request's query string as an HTML form sends it (`+` is a space, then percent-decoding),
/// so the API and the `/reports` form read parameters the same way.
public struct QueryItems: Sendable {
    public private(set) var items: [(name: String, value: String)] = []

    public init(_ query: String?) {
        guard let query, !query.isEmpty else { return }
        for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = Self.decode(parts[0])
            let value = parts.count > 1 ? Self.decode(parts[1]) : ""
            items.append((name, value))
        }
    }

    static func decode(_ text: Substring) -> String {
        let spaced = text.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }

    /// The same items without `name`'s.
    public func removing(_ name: String) -> QueryItems {
        var copy = self
        copy.items.removeAll { $0.name == name }
        return copy
    }

    /// The last value of `name`; nil when absent. An empty value counts as absent, as an
    /// unfilled form field.
    public func value(_ name: String) -> String? {
        items.last { $0.name == name }.map(\.value).flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Every value of a repeated parameter (`queue=a&queue=b`), also split at commas.
    public func values(_ name: String) -> [String] {
        items.filter { $0.name == name && !$0.value.isEmpty }.map(\.value)
    }

    /// A flag such as `missed`: present without a value, or `1`, `true`, `yes`, `on`.
    public func flag(_ name: String) -> Bool {
        guard let item = items.last(where: { $0.name == name }) else { return false }
        return ["", "1", "true", "yes", "on"].contains(item.value.lowercased())
    }

    /// The names not in `allowed`: refused, as the command line refuses an option a command does not take.
    public func unknownNames(allowed: Set<String>) -> [String] {
        var seen: Set<String> = []
        return items.map(\.name).filter { !allowed.contains($0) && seen.insert($0).inserted }
    }
}
