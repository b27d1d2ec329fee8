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
        #expect(try database.fetchString("SELECT end_reason FROM collection_session") == "connection_lost")
        // The demo's password never reaches the database or the output.
        #expect(!FileManager.default.fileExists(atPath: out + "/.demo-password"))
    }
}
