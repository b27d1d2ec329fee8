import CallStatsTestSupport
import Foundation
import Storage
import Testing

/// The writer lock's failures as the person at the terminal sees them: one line naming the
/// lock file, a non-zero exit, the database untouched. (`WriterLockTests` in
/// CollectorFaultTests.swift runs a real first collector; here this process holds the lock.)
@Suite("collect and replay refused by the writer lock")
struct WriterLockRefusalTests {
    @Test("with another process holding the lock, collect and replay each print the lock's error and exit 1")
    func heldByAnotherProcess() throws {
        let binary = try CallStatsBinary.built()
        let folder = try TemporaryFolder()
        let path = folder.path("calls.db")
        _ = try Database.openWriter(path: path)
        let passwordFile = folder.path("password")
        try Data("secret\n".utf8).write(to: URL(fileURLWithPath: passwordFile))
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: passwordFile)
        let lock = try WriterLock(databasePath: path)
        let expected = "Error: \(path): \(WriterLockError.heldByAnotherProcess(lockPath: path + ".lock"))\n"
        #expect(expected.contains("another callstats process"))

        // Nothing listens on port 1: the lock refuses the collector before it connects.
        let collect = try binary.run(["collect", "--server", "127.0.0.1:1", "--user", "stats",
                                      "--password-file", passwordFile, "--db", path, "--tls", "off", "--once"])
        #expect(collect.status == 1)
        #expect(collect.stderr == expected, "\(collect.stderr)")
        let replay = try binary.run(["replay", "--db", path])
        #expect(replay.status == 1)
        #expect(replay.stderr == expected, "\(replay.stderr)")
        let database = try Database(path: path, mode: .readOnly)
        #expect(try database.fetchInt64("SELECT count(*) FROM collection_session") == 0)
        withExtendedLifetime(lock) {}
    }

    @Test("a lock file that cannot be opened is named, with the system's reason")
    func cannotOpen() throws {
        let binary = try CallStatsBinary.built()
        let folder = try TemporaryFolder()
        let path = folder.path("calls.db")
        _ = try Database.openWriter(path: path)
        // A folder where the lock file should be: open(2) refuses it for writing.
        try FileManager.default.createDirectory(atPath: path + ".lock", withIntermediateDirectories: false)
        let replay = try binary.run(["replay", "--db", path])
        #expect(replay.status == 1)
        #expect(replay.stderr == "Error: \(path): cannot open the lock file \(path).lock: \(String(cString: strerror(EISDIR)))\n",
                "\(replay.stderr)")
    }
}
