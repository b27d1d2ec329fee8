import CallStatsTestSupport
import Foundation
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
#if canImport(Glibc)
import Glibc
#endif

/// The reliability suite's hostile server strings (HostileStringTests: markup, formulas,
/// terminal escapes, NUL, C1 controls, 100 kB names, lone surrogates), recorded by the real
/// collector, then through every page `callstats serve` has, over a real socket: inert markup in
/// the wallboard, the reports list and the report form's pages, the exact strings in the JSON
/// API, and label values escaped in /metrics as Prometheus' text format says.
@Suite("Hostile server strings through callstats serve", .serialized)
struct HostileServeTests {
    static let kinds = ["occupancy", "ewt", "missed", "calls-missed", "pauses"]

    /// One hostile day and its nightly folder for the suite (collecting it is the slow part;
    /// serve only reads it), made off the cooperative pool by the first test that asks.
    actor SharedDay {
        static let shared = SharedDay()
        private var making: Task<HostileStringTests.Day, any Error>?
        /// The day's folder, which the process's end removes (a static's folder is never released).
        /// Written once, before any reader, by the one task that makes the day.
        nonisolated(unsafe) static var folder: String?

        func day() async throws -> HostileStringTests.Day {
            if let making { return try await making.value }
            let task = Task {
                try await offPool {
                    let day = try HostileStringTests.hostileDay()
                    let nightly = try day.binary.run(["report", "nightly", "--db", day.database, "--date", day.date, "--tz", "UTC",
                                                      "--out", day.folder.path("nightly")])
                    SharedDay.folder = day.folder.url.path
                    atexit {
                        if let folder = SharedDay.folder { try? FileManager.default.removeItem(atPath: folder) }
                    }
                    guard nightly.status == 0 else { throw TestFailure("nightly: \(nightly.stderr)") }
                    return day
                }
            }
            making = task
            return try await task.value
        }
    }

    /// The hostile day served with its nightly folder.
    static func serve() async throws -> (HostileStringTests.Day, RunningCallStats, String) {
        let day = try await SharedDay.shared.day()
        let (server, base) = try await ServeProcess.start(day.binary, [
            "--db", day.database, "--listen", "127.0.0.1:0", "--tz", "UTC", "--reports", day.folder.path("nightly"),
        ])
        return (day, server, base)
    }

    static func get(_ url: String) async throws -> [UInt8] {
        let (status, body) = try await ServeProcess.fetch(url)
        #expect(status == 200, "\(url): \(status) \(String(decoding: body.prefix(300), as: UTF8.self))")
        return Array(body)
    }

    static func query(_ value: String) -> String {
        value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
    }

    @Test("the wallboard (with and without a reflected ?queues=), its theme, the reports list and every nightly file: only serve's own tags and attributes, the names escaped")
    func pages() async throws {
        let (day, server, base) = try await Self.serve()
        // A query the page reflects into an attribute, trying to break out of it.
        let reflected = "\"><script>alert(1)</script><a onmouseover=\"x"
        for path in ["/", "/?theme=dark", "/?queues=" + Self.query(reflected), "/?queues=" + Self.query(HostileStringTests.queueNames[0].decoded)] {
            let page = try await Self.get(base + path)
            try Self.checkServedHTML(page, name: path, wallboard: true)
        }
        // Every hostile agent and queue name reached the board, escaped.
        let board = String(decoding: try await Self.get(base + "/"), as: UTF8.self)
        #expect(board.contains("&lt;script&gt;alert(&#39;first&#39;)&lt;/script&gt;"), "the agents' names did not reach the board")
        #expect(board.contains("&lt;script&gt;q()&lt;/script&gt;"), "the queues' names did not reach the board")

        let list = try await Self.get(base + "/reports")
        try Self.checkServedHTML(list, name: "/reports", wallboard: false)
        let listText = String(decoding: list, as: UTF8.self)
        let files = try FileManager.default.contentsOfDirectory(atPath: day.folder.path("nightly/\(day.date)")).sorted()
        #expect(!files.isEmpty)
        for file in files {
            let href = "/reports/files/\(day.date)/\(file)"
            #expect(listText.contains("href=\"\(href)\""), "\(file) is not listed")
            let bytes = try await Self.get(base + href)
            #expect(bytes == Array(try Data(contentsOf: URL(fileURLWithPath: day.folder.path("nightly/\(day.date)/\(file)")))), "\(file)")
            if file.hasSuffix(".html") { try HostileStringTests.checkHTML(bytes, name: "served \(file)") }
        }
        #expect(try await ServeProcess.stop(server) == 0, "\(server.standardError())")
    }

    @Test("the wallboard's Server-Sent Events: the pushed board is data lines only (no bare CR or LF from a name starts a field), serve's own markup, the names escaped")
    func events() async throws {
        let (_, server, base) = try await Self.serve()
        let port = try ServeProcess.port(base)
        let event = try await offPool { try Self.firstBoardEvent(port: port) }
        #expect(try await ServeProcess.stop(server) == 0, "\(server.standardError())")
        // A CR would end a line in the browser's reading, and start a field there.
        #expect(!event.unicodeScalars.contains("\r"), "a CR in the event")
        let lines = event.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.allSatisfy { $0.hasPrefix("data: ") }, "a line of the event that is not data: \(lines.first { !$0.hasPrefix("data: ") }?.prefix(80) ?? "")")
        let fragment = lines.map { $0.dropFirst("data: ".count) }.joined(separator: "\n")
        try Self.checkServedHTML(Array(fragment.utf8), name: "/events", wallboard: false)
        #expect(fragment.contains("&lt;script&gt;alert(&#39;first&#39;)&lt;/script&gt;"), "the agents' names did not reach the event")
        #expect(fragment.contains("&lt;script&gt;q()&lt;/script&gt;"), "the queues' names did not reach the event")
    }

    /// The lines after `event: board` in what `/events` sends first, read from a raw socket (the
    /// stream never ends, and each event is one chunk of the response). 30 s without a byte fails.
    static func firstBoardEvent(port: Int) throws -> String {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestFailure("socket() failed") }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 30, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw TestFailure("cannot connect to serve on port \(port)") }
        let request = Array("GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n".utf8)
        guard request.withUnsafeBytes({ send(fd, $0.baseAddress, $0.count, 0) }) == request.count else { throw TestFailure("cannot send the request") }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = recv(fd, &buffer, buffer.count, 0)
            guard count > 0 else {
                throw TestFailure("no board within 30 s, or the stream ended: \(String(decoding: received.prefix(300), as: UTF8.self))")
            }
            received += buffer[..<count]
            let text = String(decoding: received, as: UTF8.self)
            if let start = text.range(of: "event: board\n"), let end = text[start.upperBound...].range(of: "\n\n") {
                return String(text[start.upperBound..<end.lowerBound])
            }
        }
    }

    @Test("the report form's pages and CSV downloads, for every kind: the reliability suite's checks of the binary's own pages hold")
    func reportForm() async throws {
        let (day, server, base) = try await Self.serve()
        for kind in Self.kinds {
            let form = "\(base)/reports/run?kind=\(kind)&date=\(day.date)&from=&to=&interval=1h&tz=UTC"
            try HostileStringTests.checkHTML(try await Self.get(form + "&format=html"), name: "form \(kind) page")
            try HostileStringTests.checkCSV(try await Self.get(form + "&format=csv"), name: "form \(kind) csv")
        }
        #expect(try await ServeProcess.stop(server) == 0, "\(server.standardError())")
    }

    @Test("the JSON API: valid UTF-8 and JSON, every hostile string exactly as the server sent it, in every report kind and view")
    func api() async throws {
        let (day, server, base) = try await Self.serve()
        for kind in Self.kinds {
            let interval = kind == "calls-missed" ? "" : "&interval=1h"
            let bytes = try await Self.get("\(base)/api/v1/reports/\(kind)?date=\(day.date)&tz=UTC\(interval)")
            try HostileStringTests.checkJSON(bytes, kind: kind)
        }
        let agentNames = (0..<6).map { HostileStringTests.firstNames[$0].decoded + " " + HostileStringTests.lastNames[$0].decoded }
        for (view, wanted) in [("agents", agentNames), ("queues", HostileStringTests.queueNames.map(\.decoded)), ("calls", [])] {
            // (The day is in the past: calls since its start.)
            let bytes = try await Self.get("\(base)/api/v1/\(view)?tz=UTC" + (view == "calls" ? "&since=\(day.date)&limit=0" : ""))
            _ = try HostileStringTests.text(bytes, name: view)
            let strings = Self.strings(in: try JSONSerialization.jsonObject(with: Data(bytes)))
            for name in wanted {
                #expect(strings.contains(name), "\(view): \(name.debugDescription.prefix(60)) does not round-trip")
            }
            if view == "calls" {
                #expect(HostileStringTests.callerNames.contains { hostile in strings.contains { $0.hasPrefix(hostile.decoded) } }, "calls: no hostile caller name")
            }
        }
        #expect(try await ServeProcess.stop(server) == 0, "\(server.standardError())")
    }

    @Test("/metrics: every label value escaped as the text format says (it parses back to the exact name), and promtool check metrics passes")
    func metrics() async throws {
        let (day, server, base) = try await Self.serve()
        let bytes = try await Self.get(base + "/metrics")
        #expect(try await ServeProcess.stop(server) == 0, "\(server.standardError())")
        let text = try HostileStringTests.text(bytes, name: "/metrics")
        var queues: Set<String> = []
        var agents: Set<String> = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) where !line.hasPrefix("#") && !line.isEmpty {
            let sample = try #require(Self.parseSample(line), "not a sample line: \(line.prefix(120).debugDescription)")
            if sample.name == "callstats_queue_waiting_calls", let queue = sample.labels["queue"] { queues.insert(queue) }
            if sample.name == "callstats_agent_state", let agent = sample.labels["agent"] { agents.insert(agent) }
        }
        #expect(queues == Set(HostileStringTests.queueNames.map(\.decoded)), "the queue labels are not the queues' names")
        for i in 0..<6 {
            let name = HostileStringTests.firstNames[i].decoded + " " + HostileStringTests.lastNames[i].decoded
            #expect(agents.contains(name), "agent \(i)'s label is not its name")
        }
        if RequiredTool.promtool.runs {
            let promtool = try RequiredTool.promtool.require()
            let file = day.folder.path("metrics.txt")
            try Data(bytes).write(to: URL(fileURLWithPath: file))
            let check = try CallStatsBinary(url: URL(fileURLWithPath: "/bin/sh")).run(["-c", "exec \"$0\" check metrics < \"$1\"", promtool, file])
            #expect(check.status == 0, "promtool: \(check.stdout.prefix(500)) \(check.stderr.prefix(500))")
        }
    }

    // MARK: Checks

    /// Every string anywhere in a parsed JSON value.
    static func strings(in value: Any) -> Set<String> {
        switch value {
        case let text as String: return [text]
        case let array as [Any]: return array.reduce(into: []) { $0.formUnion(strings(in: $1)) }
        case let object as [String: Any]: return object.values.reduce(into: []) { $0.formUnion(strings(in: $1)) }
        default: return []
        }
    }

    /// One sample line of the text exposition format: `name{label="value",...} number`, the
    /// values unescaped (`\\`, `\"`, `\n`); nil when the line breaks the format (a raw quote or
    /// line feed in a value would).
    static func parseSample(_ line: Substring) -> (name: String, labels: [String: String])? {
        var scalars = line.unicodeScalars[...]
        let name = String(String.UnicodeScalarView(scalars.prefix { $0 != "{" && $0 != " " }))
        guard name.wholeMatch(of: /[a-zA-Z_:][a-zA-Z0-9_:]*/) != nil else { return nil }
        scalars = scalars.dropFirst(name.unicodeScalars.count)
        var labels: [String: String] = [:]
        if scalars.first == "{" {
            scalars = scalars.dropFirst()
            while scalars.first != "}" {
                let label = String(String.UnicodeScalarView(scalars.prefix { $0 != "=" }))
                guard label.wholeMatch(of: /[a-zA-Z_][a-zA-Z0-9_]*/) != nil else { return nil }
                scalars = scalars.dropFirst(label.unicodeScalars.count)
                guard scalars.first == "=", scalars.dropFirst().first == "\"" else { return nil }
                scalars = scalars.dropFirst(2)
                var value = String.UnicodeScalarView()
                while let scalar = scalars.first, scalar != "\"" {
                    scalars = scalars.dropFirst()
                    if scalar == "\n" { return nil }
                    if scalar == "\\" {
                        guard let escaped = scalars.first else { return nil }
                        scalars = scalars.dropFirst()
                        switch escaped {
                        case "\\": value.append("\\")
                        case "\"": value.append("\"")
                        case "n": value.append("\n")
                        default: return nil
                        }
                    } else {
                        value.append(scalar)
                    }
                }
                guard scalars.first == "\"" else { return nil }
                scalars = scalars.dropFirst()
                labels[label] = String(value)
                if scalars.first == "," { scalars = scalars.dropFirst() }
            }
            scalars = scalars.dropFirst()
        }
        let number = String(String.UnicodeScalarView(scalars))
        guard number.hasPrefix(" "), Double(number.dropFirst()) != nil else { return nil }
        return (name, labels)
    }

    /// serve's own pages: every `<` opens one of its tags, whose attributes are its own (no
    /// `on…` handler, no `style`, links to this origin only), every `>` closes one, every `&`
    /// is an entity, one script (its own file) at most, no control character, valid UTF-8.
    static func checkServedHTML(_ bytes: [UInt8], name: String, wallboard: Bool) throws {
        let text = try HostileStringTests.text(bytes, name: name)
        let tags: Set<String> = [
            "html", "head", "meta", "title", "link", "script", "body", "main", "header", "footer", "h1", "h2", "p", "span",
            "section", "div", "article", "dl", "dt", "dd", "table", "thead", "tbody", "tr", "th", "td", "a", "strong", "code",
            "ul", "li", "form", "label", "select", "option", "input", "button",
        ]
        let attributes: Set<String> = [
            "lang", "charset", "name", "content", "rel", "href", "src", "defer", "class", "id", "method", "action",
            "placeholder", "value", "selected", "type", "data-events", "data-queue-id", "data-agent-id", "data-elapsed", "data-live",
        ]
        let tag = /<(\/?)([a-z][a-z0-9]*)((?: [a-z][a-z-]*(?:="[^"<>]*")?)*)>|<!doctype html>/
        let attribute = /\ ([a-z][a-z-]*)(?:="([^"<>]*)")?/
        var rest = text[...]
        var scripts = 0
        while let open = rest.firstIndex(of: "<") {
            guard let match = rest[open...].prefixMatch(of: tag) else {
                Issue.record("\(name): a < that opens none of serve's tags: \(rest[open...].prefix(80).debugDescription)")
                return
            }
            if let element = match.2 {
                #expect(tags.contains(String(element)), "\(name): tag <\(element)>")
                if element == "script" && match.1?.isEmpty == true {
                    scripts += 1
                    #expect(match.0 == "<script src=\"/static/wallboard.js\" defer>", "\(name): \(match.0)")
                }
                for found in (match.3 ?? "").matches(of: attribute) {
                    #expect(attributes.contains(String(found.1)), "\(name): attribute \(found.1) in \(match.0.prefix(80))")
                    if found.1 == "href" || found.1 == "src" || found.1 == "action" {
                        #expect(found.2?.hasPrefix("/") == true && found.2?.hasPrefix("//") == false, "\(name): \(match.0.prefix(80))")
                    }
                }
            }
            rest = rest[match.range.upperBound...]
        }
        let closing = text.filter { $0 == ">" }.count
        let opening = text.filter { $0 == "<" }.count
        #expect(closing == opening, "\(name): a > outside a tag")
        let ampersands = text.matches(of: /&/).count
        let entities = text.matches(of: /&(?:amp|lt|gt|quot|#39|#[0-9]+|[a-z]+);/).count
        #expect(ampersands == entities, "\(name): an & that starts no entity")
        #expect(scripts == (wallboard ? 1 : 0), "\(name): \(scripts) scripts")
        let scalars = Array(text.unicodeScalars)
        // (Tab, CR and LF are whitespace in HTML: escaping keeps them, as in the reports' pages.)
        if let control = scalars.firstIndex(where: { HostileStringTests.isControl($0, allowing: ["\t", "\r", "\n"]) }) {
            let around = String(String.UnicodeScalarView(scalars[max(0, control - 60)..<min(scalars.count, control + 20)]))
            Issue.record("\(name): control character U+\(String(scalars[control].value, radix: 16)) in \(around.debugDescription)")
        }
    }
}
