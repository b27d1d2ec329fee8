// swift-tools-version:6.2
import PackageDescription

// Our own targets treat every warning as an error (the brief: warnings are defects);
// dependencies keep their own settings.
let strict: [SwiftSetting] = [
    .treatAllWarnings(as: .error),
]

let package = Package(
    name: "CallStats",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "callstats", targets: ["callstats"]),
        .executable(name: "callstats-bench", targets: ["CallStatsBench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        // `callstats serve` (issue 18). Hummingbird without its swift-configuration trait:
        // the server is configured from the command line only, and that trait's build is long.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: ["FullFoundation"]),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        // XiVO/Wazo's queue_log table (`callstats import queue-log --postgres`, issue 17).
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
    ],
    targets: [
        // libsqlite3 from the system (Debian: libsqlite3-dev).
        .systemLibrary(
            name: "CallStatsSQLite",
            pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"]), .brew(["sqlite3"])]
        ),
        // zlib from the system (Debian: zlib1g-dev), for compressed `sheet` payloads.
        .systemLibrary(
            name: "CallStatsZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"]), .brew(["zlib"])]
        ),
        // Turns migrations/*.sql and reports/* into Swift source at build time, so the
        // binary carries them and works when copied alone.
        .systemLibrary(
            name: "CallStatsZstd",
            pkgConfig: "libzstd",
            providers: [.apt(["libzstd-dev"]), .brew(["zstd"])]
        ),
        .executableTarget(name: "EmbedAssetsTool", swiftSettings: strict),
        .plugin(
            name: "EmbedAssets",
            capability: .buildTool(),
            dependencies: ["EmbedAssetsTool"]
        ),
        .target(
            name: "Storage",
            dependencies: ["CallStatsSQLite", "CallStatsZstd"],
            swiftSettings: strict,
            plugins: ["EmbedAssets"]
        ),
        .target(
            name: "CTIProtocol",
            dependencies: [
                "CallStatsZlib",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "Recording",
            dependencies: ["Storage", "CTIProtocol", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict
        ),
        .target(
            name: "Collector",
            dependencies: [
                "Recording", "CTIProtocol", "Storage",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        // Asterisk's queue_log as a source: its files (plain, rotated, gzip) read into the
        // recorder, which interprets the lines (Recording/QueueLog).
        .target(
            name: "QueueLog",
            dependencies: [
                "Recording", "Storage", "CallStatsZlib",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "Reports",
            dependencies: ["Storage", "CallStatsZlib"],
            swiftSettings: strict,
            plugins: ["EmbedAssets"]
        ),
        // The read-only HTTP service behind `callstats serve`: JSON API, /metrics, wallboard.
        .target(
            name: "WebService",
            dependencies: [
                "Reports", "Storage",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "Simulator",
            dependencies: [
                "CTIProtocol",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "CallStatsCLI",
            dependencies: [
                "Storage", "CTIProtocol", "Recording", "Collector", "QueueLog", "Reports", "Simulator", "WebService",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "callstats",
            dependencies: ["CallStatsCLI"],
            swiftSettings: strict
        ),
        // Benchmarks that print numbers (BENCHMARKS.md): never part of the test suite.
        .executableTarget(
            name: "CallStatsBench",
            dependencies: [
                "Storage", "CTIProtocol", "Recording", "Reports", "Simulator",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
        // What the test targets share (temporary folders, awaiting a condition, seeded
        // randomness, a manual clock, loopback sockets): one copy, not one per target.
        // PostgresNIO: PostgresTestServer, a throwaway PostgreSQL cluster with queue_log tables.
        // XiVOScenarios/ (XiVO's statcenter scenarios, JSON) is read by path (#filePath).
        .target(
            name: "CallStatsTestSupport",
            dependencies: ["Storage", .product(name: "PostgresNIO", package: "postgres-nio")],
            path: "Tests/CallStatsTestSupport",
            exclude: ["XiVOScenarios"],
            swiftSettings: strict
        ),
        .testTarget(name: "StorageTests", dependencies: ["Storage", "CallStatsTestSupport"], swiftSettings: strict),
        .testTarget(name: "CTIProtocolTests", dependencies: ["CTIProtocol", "CallStatsTestSupport"], swiftSettings: strict),
        .testTarget(name: "RecordingTests", dependencies: ["Recording", "Storage", "CTIProtocol", "CallStatsTestSupport"], swiftSettings: strict),
        // The XiVO scenarios import and report through the real binary.
        .testTarget(
            name: "QueueLogTests",
            dependencies: [
                "QueueLog", "Recording", "Reports", "Storage", "CallStatsTestSupport", "callstats",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "CollectorTests",
            dependencies: [
                "Collector", "Recording", "Storage", "CTIProtocol", "CallStatsTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: strict
        ),
        // The snapshots are read by path (#filePath), not bundled.
        .testTarget(name: "ReportsTests", dependencies: ["Reports", "Recording", "Storage", "CallStatsTestSupport"], exclude: ["Snapshots"], swiftSettings: strict),
        .testTarget(
            name: "WebServiceTests",
            dependencies: [
                // callstats: the tests compare the API with the binary's --format json.
                "WebService", "Reports", "Storage", "CallStatsTestSupport", "callstats",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            swiftSettings: strict
        ),
        .testTarget(name: "SimulatorTests", dependencies: ["Simulator", "CTIProtocol", "CallStatsTestSupport"], swiftSettings: strict),
        .testTarget(name: "EndToEndTests", dependencies: ["Storage", "callstats", "CallStatsBench", "CallStatsTestSupport"], swiftSettings: strict),
    ],
    swiftLanguageModes: [.v6]
)
