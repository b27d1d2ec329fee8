import CallStatsSQLite

/// Indexes dropped while a long import catches up and built again, once, at its end
/// (migration 0013, docs/RECORDING.md "Catching up"). SQLite builds an index over rows already
/// written by sorting them, which writes each of its pages once; kept up row by row, an index
/// whose keys arrive in random order has most of its pages written again at every commit.
extension Database {
    /// Drops the indexes named (those that exist), remembering each one's SQL in
    /// `deferred_index`, in one transaction: a crash leaves each index either in place or
    /// listed there.
    public func deferIndexes(_ names: [String]) throws {
        try write {
            for name in names {
                guard name.utf8.allSatisfy({ $0 == UInt8(ascii: "_") || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) }),
                      let sql = try fetchString("SELECT sql FROM sqlite_schema WHERE type = 'index' AND name = ?", name) else { continue }
                try execute("INSERT INTO deferred_index (name, sql) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET sql = excluded.sql", name, sql)
                // An identifier cannot be bound: the name is one of the schema's, of letters and _.
                try execute(sql: "DROP INDEX \(name)")
            }
        }
    }

    /// The indexes listed in `deferred_index` that are not built yet; none on a database
    /// older than migration 0013.
    public func deferredIndexNames() throws -> [String] {
        guard try fetchInt64("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'deferred_index'") != nil else { return [] }
        var names: [String] = []
        try makeStatement("SELECT name FROM deferred_index ORDER BY name").forEachRow { names.append($0.string(0) ?? "") }
        return names
    }

    /// Builds every index `deferIndexes` dropped, each in a transaction of its own with its
    /// row's removal. SQLite's sorter may use a helper thread (`PRAGMA threads`) to build it.
    public func buildDeferredIndexes() throws {
        let names = try deferredIndexNames()
        guard !names.isEmpty else { return }
        try execute(sql: "PRAGMA threads = \(Self.indexBuildThreads)")
        defer { try? execute(sql: "PRAGMA threads = 0") }
        for name in names {
            try write {
                guard let sql = try fetchString("SELECT sql FROM deferred_index WHERE name = ?", name) else { return }
                if try fetchInt64("SELECT 1 FROM sqlite_schema WHERE type = 'index' AND name = ?", name) == nil {
                    try execute(sql: sql)
                }
                try execute("DELETE FROM deferred_index WHERE name = ?", name)
            }
        }
    }

    /// Helper threads for the sorter that builds an index: the machines CallStats runs on have
    /// two cores or more.
    static let indexBuildThreads = 1
}
