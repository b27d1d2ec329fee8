import CallStatsTestSupport
import Foundation
import Storage
import Testing

@Suite("callstats demo, run as a process")
struct DemoCommandTests {
    @Test("the demo simulates, collects over TCP and reports, and leaves a database the other commands can use")
    func demo() throws {
        let binary = try CallStatsBinary.built()
        let folder = try TemporaryFolder()
        let out = folder.path("demo")
        let result = try binary.run(["demo", "--out", out, "--hours", "2", "--seed", "4"])
        #expect(result.status == 0, "\(result.stderr)")
        let index = out + "/reports/2026-11-02/index.html"
        #expect(result.stdout.contains("Report: \(index)"))
        #expect(FileManager.default.fileExists(atPath: index))
        for file in ["occupancy.csv", "ewt.csv", "missed.csv", "calls-missed.csv"] {
            #expect(FileManager.default.fileExists(atPath: out + "/reports/2026-11-02/" + file), "\(file)")
        }
        // The summary is the database's, not made up: check it against the database.
        let database = try Database.openReader(path: out + "/calls.db")
        let offered = try #require(try database.fetchInt64("SELECT count(*) FROM queue_visit"))
        #expect(offered > 50)
        #expect(result.stdout.contains("queue calls offered: \(offered),"))
        #expect(result.stdout.contains("agents: 20, queues: 3"))
        // The simulator closing at the end of its day is the end the demo asked for.
        #expect(try database.fetchString("SELECT end_reason FROM collection_session") == "server_closed")
        let status = try binary.run(["status", "--db", out + "/calls.db"])
        #expect(status.status == 1, "no collection is live after the demo: \(status.stdout)")
        #expect(status.stdout.contains(", ended (server_closed)\n"), "\(status.stdout)")
        #expect(!status.stdout.contains("connection_lost"))
        // The demo's password never reaches the database or the output.
        #expect(!FileManager.default.fileExists(atPath: out + "/.demo-password"))
    }

    @Test("two demos with one seed write the same bytes in every report file and print the same summary")
    func deterministic() throws {
        let binary = try CallStatsBinary.built()
        let folder = try TemporaryFolder()
        var summaries: [[String]] = []
        for run in ["first", "second"] {
            let out = folder.path(run)
            let result = try binary.run(["demo", "--out", out, "--seed", "7"])
            #expect(result.status == 0, "\(result.stderr)")
            // All but the time it took, with this run's folder named alike.
            summaries.append(result.stdout.replacingOccurrences(of: out, with: "OUT").split(separator: "\n")
                .filter { !$0.hasPrefix("Done in") }.map(String.init))
        }
        #expect(summaries[0] == summaries[1])
        #expect(summaries[0].contains { $0.hasPrefix("  queue calls offered: ") })
        let day = "/reports/2026-11-02"
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path("first") + day).sorted()
        #expect(files == [
            "calls-missed.csv", "ewt.csv", "index.html", "missed.csv", "occupancy.csv", "pauses.csv", "report.xlsx", "xivo-agents.csv", "xivo-queues.csv",
        ])
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path("second") + day).sorted() == files)
        for file in files {
            let first = try Data(contentsOf: URL(fileURLWithPath: folder.path("first") + day + "/" + file))
            let second = try Data(contentsOf: URL(fileURLWithPath: folder.path("second") + day + "/" + file))
            #expect(!first.isEmpty)
            #expect(first == second, "\(file) differs between two runs with seed 7: \(Self.firstDifference(first, second))")
        }
    }

    /// The first line that differs, for the failure message.
    static func firstDifference(_ a: Data, _ b: Data) -> String {
        let left = String(decoding: a, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        let right = String(decoding: b, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        for (index, (x, y)) in zip(left, right).enumerated() where x != y {
            return "line \(index + 1): \(x.prefix(300)) | \(y.prefix(300))"
        }
        return "lengths \(a.count) and \(b.count)"
    }
}
