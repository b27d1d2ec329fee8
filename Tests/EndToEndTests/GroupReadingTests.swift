import CallStatsTestSupport
import Foundation
import Storage
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A supervisor who may read the database but not write its folder (README, "Install"): the
/// collector creates it group-readable, and every read-only command works for a member of the
/// group, run here as an unprivileged user (`setpriv`, which needs root).
@Suite("Reading as a member of the database's group", .serialized)
struct GroupReadingTests {
    /// A group no one else uses, and the unprivileged user `nobody`.
    static let group: gid_t = 54_321
    static let nobody: uid_t = 65_534

    static var isRoot: Bool { getuid() == 0 }

    /// `binary arguments` as `nobody` in `group` alone.
    static func asGroupMember(_ executable: String, _ arguments: [String]) throws -> CallStatsBinary.Result {
        try CallStatsBinary(url: URL(fileURLWithPath: "/usr/bin/setpriv")).run(
            ["--reuid=\(nobody)", "--regid=\(group)", "--clear-groups", "--", executable] + arguments)
    }

    /// A folder of `group` with the setgid bit, which `nobody` can enter and read, not write.
    static func sharedFolder(in setup: CollectorSetup, _ name: String) throws -> String {
        // The test's own folder is its owner's alone: let others through it.
        try FileManager.default.setAttributes([.posixPermissions: 0o711], ofItemAtPath: setup.folder.url.path)
        let folder = setup.folder.path(name)
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
        #expect(chown(folder, 0, group) == 0)
        #expect(chmod(folder, 0o2750) == 0)
        return folder
    }

    static func collect(_ setup: CollectorSetup, into database: String, options: [String]) throws {
        let (simulator, address) = try setup.simulator([
            "--listen", "127.0.0.1:0", "--speed", "max", "--exit-when-done", "--seed", "23",
            "--duration", "1h", "--agents", "8", "--queues", "2", "--user", "stats", "--password", "secret",
        ])
        let collector = try setup.binary.run([
            "collect", "--server", address, "--user", "stats", "--password-file", setup.passwordFile,
            "--db", database, "--once", "--tls", "off", "--log-level", "warning",
        ] + options)
        #expect(collector.status == 0, "\(collector.stderr)")
        #expect(simulator.wait() == 0)
    }

    @Test("collect --group-readable: the database and its -wal and -shm are 0640 in the folder's group, stay after the collector stops, and every read-only command works for a group member who cannot write the folder",
          .enabled(if: isRoot, "runs commands as another user with setpriv, which needs root (CI runs as root)"))
    func groupMemberReads() throws {
        let setup = try CollectorSetup.make()
        let folder = try Self.sharedFolder(in: setup, "stats")
        let database = folder + "/calls.db"
        try Self.collect(setup, into: database, options: ["--group-readable"])

        for file in [database, database + "-wal", database + "-shm"] {
            var info = stat()
            #expect(stat(file, &info) == 0, "\(file) is missing after the collector stopped")
            #expect(info.st_mode & 0o777 == 0o640, "\(file): mode \(String(info.st_mode & 0o777, radix: 8))")
            #expect(info.st_gid == Self.group, "\(file): group \(info.st_gid)")
        }
        let binary = setup.binary.url.path
        #expect(try Self.asGroupMember("/usr/bin/touch", [folder + "/written"]).status != 0, "the member can write the folder")

        let day = try #require(try Database.openReader(path: database).fetchDouble("SELECT min(started_at) FROM collection_session"))
        let date = String(ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: day)).prefix(10))
        for command in [
            ["agents", "--db", database, "--tz", "UTC"],
            ["queues", "--db", database, "--tz", "UTC"],
            ["calls", "--db", database, "--tz", "UTC"],
            ["report", "occupancy", "--db", database, "--date", date, "--tz", "UTC", "--format", "csv"],
            ["report", "missed", "--db", database, "--date", date, "--tz", "UTC", "--format", "csv"],
            ["journal", "--db", database, "--class", "login_id"],
        ] {
            let result = try Self.asGroupMember(binary, command)
            #expect(result.status == 0, "\(command): \(result.stderr)")
            #expect(result.stdout.split(separator: "\n").count >= 1, "\(command) printed nothing")
        }
        // `status` exits 1 when nothing is collecting, and says so.
        let status = try Self.asGroupMember(binary, ["status", "--db", database])
        #expect(status.stdout.hasPrefix("not collecting"), "\(status.stdout)\(status.stderr)")
        #expect(!FileManager.default.fileExists(atPath: folder + "/written"))
    }

    @Test("without --group-readable the database is its owner's alone: a group member is refused with one clear line",
          .enabled(if: isRoot, "runs commands as another user with setpriv, which needs root (CI runs as root)"))
    func ownerOnlyByDefault() throws {
        let setup = try CollectorSetup.make()
        let folder = try Self.sharedFolder(in: setup, "private")
        let database = folder + "/calls.db"
        try Self.collect(setup, into: database, options: [])
        var info = stat()
        #expect(stat(database, &info) == 0 && info.st_mode & 0o777 == 0o600)
        let refused = try Self.asGroupMember(setup.binary.url.path, ["agents", "--db", database])
        #expect(refused.status != 0)
        #expect(refused.stderr.hasPrefix("Error: \(database)"), "\(refused.stderr)")
        #expect(refused.stderr.split(separator: "\n").count == 1, "\(refused.stderr)")
    }
}
