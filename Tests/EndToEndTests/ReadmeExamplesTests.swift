import CallStatsTestSupport
import Foundation
import Testing

/// Every example output README.md shows from the demo's database is what the binary prints for
/// that command today, so the README cannot go stale. The examples are the fenced blocks whose
/// first line is `$ callstats ...` on `callstats-demo/calls.db`, and the demo itself.
///
/// A line `...` in an example stands for any number of lines. The views are shown as on an
/// 80-column terminal (`--format table`, which a terminal gets by default, `COLUMNS=80`, no
/// colour). The demo's own block differs by its run time and folder only.
///
/// After a deliberate change of output: `CALLSTATS_UPDATE_README=1 swift test --filter ReadmeExamplesTests`
/// rewrites the blocks (keeping each `...` where it was), for review in `git diff`.
@Suite("README examples", .serialized)
struct ReadmeExamplesTests {
    struct Example {
        /// Line indexes in the README of the example's first output line and of the line after its last.
        let outputStart: Int
        let outputEnd: Int
        let command: [String]
        let expected: [String]
    }

    static let readme = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("README.md")

    /// The examples of the fenced blocks: a block may hold several `$ callstats` commands, each
    /// followed by its output.
    static func examples(_ lines: [String]) -> [Example] {
        var examples: [Example] = []
        var index = 0
        while index < lines.count {
            guard lines[index] == "```", index + 1 < lines.count, lines[index + 1].hasPrefix("$ callstats ") else {
                index += 1
                continue
            }
            guard let close = lines[(index + 1)...].firstIndex(of: "```") else { break }
            var start = index + 1
            while start < close {
                let end = lines[(start + 1)..<close].firstIndex { $0.hasPrefix("$ callstats ") } ?? close
                let command = lines[start].dropFirst("$ callstats ".count).split(separator: " ").map(String.init)
                if command == ["demo"] || command.contains("callstats-demo/calls.db") {
                    examples.append(Example(outputStart: start + 1, outputEnd: end, command: command,
                                            expected: Array(lines[(start + 1)..<end])))
                }
                start = end
            }
            index = close + 1
        }
        return examples
    }

    /// `expected` with each `...` standing for any number of lines, against `actual`.
    static func matches(_ expected: ArraySlice<String>, _ actual: ArraySlice<String>) -> Bool {
        guard let first = expected.first else { return actual.isEmpty }
        if first == "..." {
            let rest = expected.dropFirst()
            return actual.indices.contains { matches(rest, actual[$0...]) } || matches(rest, actual[actual.endIndex...])
        }
        guard let line = actual.first, line == first else { return false }
        return matches(expected.dropFirst(), actual.dropFirst())
    }

    /// What to write in place of `expected`: `actual`, with each `...` of `expected` kept and
    /// the lines it stood for left out (the lines after a trailing `...` too).
    static func updated(_ expected: [String], _ actual: [String]) -> [String] {
        guard let elision = expected.firstIndex(of: "...") else { return actual }
        let head = Array(actual.prefix(elision))
        guard elision + 1 < expected.count else { return head + ["..."] }
        // Resume at the first actual line equal to the one after `...` (a blank group separator, say).
        let next = expected[elision + 1]
        guard let resume = actual[elision...].firstIndex(of: next) else { return head + ["..."] }
        return head + ["..."] + updated(Array(expected[(elision + 1)...]), Array(actual[resume...]))
    }

    @Test("every README example from the demo's database is what the binary prints")
    func examplesAreCurrent() throws {
        let text = try String(contentsOf: Self.readme, encoding: .utf8)
        var lines = text.components(separatedBy: "\n")
        let examples = Self.examples(lines)
        #expect(examples.count >= 5, "the README's examples were not found")
        #expect(examples.contains { $0.command == ["demo"] })

        let binary = try CallStatsBinary.built()
        let folder = try TemporaryFolder()
        let environment = ProcessInfo.processInfo.environment.merging(["COLUMNS": "80", "NO_COLOR": "1"]) { $1 }
        let demo = try binary.run(["demo"], environment: environment, currentDirectory: folder.url)
        #expect(demo.status == 0, "\(demo.stderr)")

        let update = ProcessInfo.processInfo.environment["CALLSTATS_UPDATE_README"] == "1"
        var replacements: [(Example, [String])] = []
        for example in examples {
            let actual: [String]
            if example.command == ["demo"] {
                // The run time and the folder differ from run to run; the README shows /home/me.
                let output = demo.stdout
                    .replacingOccurrences(of: folder.url.standardizedFileURL.path, with: "/home/me")
                    .replacingOccurrences(of: #"Done in [0-9.]+ s\."#, with: "Done in 4.2 s.", options: .regularExpression)
                actual = output.components(separatedBy: "\n").dropLast(output.hasSuffix("\n") ? 1 : 0).map { $0 }
            } else {
                let result = try binary.run(example.command + ["--format", "table"], environment: environment, currentDirectory: folder.url)
                #expect(result.status == 0, "\(example.command): \(result.stderr)")
                actual = result.stdout.components(separatedBy: "\n").dropLast(result.stdout.hasSuffix("\n") ? 1 : 0).map { $0 }
            }
            if !Self.matches(example.expected[...], actual[...]) {
                if update {
                    replacements.append((example, Self.updated(example.expected, actual)))
                } else {
                    Issue.record("""
                        README example `callstats \(example.command.joined(separator: " "))` (README.md line \(example.outputStart)) \
                        is not what the binary prints; after a deliberate change, run with CALLSTATS_UPDATE_README=1. It prints:
                        \(actual.joined(separator: "\n"))
                        """)
                }
            }
        }
        if update, !replacements.isEmpty {
            for (example, replacement) in replacements.reversed() {
                lines.replaceSubrange(example.outputStart..<example.outputEnd, with: replacement)
            }
            try lines.joined(separator: "\n").write(to: Self.readme, atomically: true, encoding: .utf8)
            Issue.record("README.md rewritten: \(replacements.count) examples updated; review with git diff")
        }
    }

    @Test("the examples' matching: ... stands for any lines, and nothing else differs")
    func matching() {
        #expect(Self.matches(["a", "...", "d"], ["a", "b", "c", "d"]))
        #expect(Self.matches(["a", "..."], ["a"]))
        #expect(Self.matches(["a", "...", "", "x", "..."], ["a", "b", "", "x", "y"]))
        #expect(!Self.matches(["a", "...", "d"], ["a", "b", "c"]))
        #expect(!Self.matches(["a", "b"], ["a", "b", "c"]))
        #expect(!Self.matches(["a", "c"], ["a", "b"]))
        #expect(Self.updated(["a", "...", "", "x", "..."], ["A", "b", "", "X", "y"]) == ["A", "...", "", "X", "..."])
    }
}
