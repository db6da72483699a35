// swift-tools-version:6.1
import PackageDescription
#if os(Linux)
import Glibc
#endif

/// How the virtmon executable is linked on Linux: with the toolchain's lld and packed relative relocations
/// (DT_RELR) where the C library loads them (glibc 2.36 and later). The executable's 1.9 MB table of relative
/// relocations, which the dynamic loader reads whole at every start, becomes 16 KB; with lld's layout the agent's
/// resident memory falls by about 3 MiB (bench-agent.sh, 36.1 -> 33.0 MiB). Older C libraries get the default link.
let executableLinkerSettings: [LinkerSetting] = {
    #if os(Linux)
    var text = [CChar](repeating: 0, count: 64)
    _ = confstr(Int32(_CS_GNU_LIBC_VERSION), &text, text.count)
    let version = String(cString: text).split(separator: " ").last?.split(separator: ".").compactMap { Int($0) } ?? []
    guard version.count >= 2, (version[0], version[1]) >= (2, 36) else { return [] }
    return [.unsafeFlags(["-use-ld=lld", "-Xlinker", "-z", "-Xlinker", "pack-relative-relocs"])]
    #else
    return []
    #endif
}()

let package = Package(
    name: "virtmon",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "virtmon", targets: ["virtmon"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.5.0"),
        // swift-metrics' backend for /metrics: the registry and its text exposition.
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.1.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.24.0"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.0"..<"5.0.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        // The query API's HTTP server; swift-configuration support is not used, so its trait stays off.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.20.0", traits: ["FullFoundation"]),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.25.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.0.0"),
        // HTTP parts as typed values (already under Hummingbird), for the listener's connection guard.
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.20.0"),
        // Remote-write's protobuf messages; their Swift is generated once and committed (no build plugin).
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.28.0"),
        // TLS for the collector's listener and the agent's https:// publishing (already under async-http-client).
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.29.0"),
    ],
    targets: [
        // Leaf: the sample model and the signed wire envelope shared by agent and collector.
        .target(
            name: "VirtmonModel",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")]
        ),
        // Leaf: the executors that keep blocking calls (SQLite, fsync, libvirt, name resolution) off the
        // cooperative pool.
        .target(name: "VirtmonThreads"),
        // Network failures in words, for every module that talks HTTP (publishers, the CLI, alarm notifications).
        .target(
            name: "VirtmonNetwork",
            dependencies: [
                "VirtmonModel",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        // Leaf: virtmon's own figures (swift-metrics, held and exposed by swift-prometheus).
        .target(
            name: "VirtmonTelemetry",
            dependencies: [
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        // Prometheus's formats: the name table from virtmon meters, the text exposition, remote-write 1.0
        // (protobuf, snappy through libsnappy at run time) and series selectors.
        .target(
            name: "VirtmonPrometheus",
            dependencies: ["VirtmonModel", .product(name: "SwiftProtobuf", package: "swift-protobuf")],
            exclude: ["Proto/remote.proto"]
        ),
        .target(
            name: "VirtmonAgent",
            dependencies: [
                "VirtmonModel", "VirtmonThreads", "VirtmonPublishers", "VirtmonTelemetry",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // The RabbitMQ C client (librabbitmq.so.4), bound at run time with dlopen behind a narrow C interface.
        .target(name: "CRabbitMQ"),
        // glibc's allocator settings (mallopt), which Swift's Glibc module does not export.
        .target(name: "CAllocator"),
        // AMQP 0-9-1 through RabbitMQ: addresses, a blocking connection for one thread, queue topology.
        .target(name: "VirtmonAMQP", dependencies: ["CRabbitMQ", "VirtmonThreads"]),
        // Ceilometer's formats on the bus and on UDP: oslo.messaging notifications, msgpack datagrams, the
        // per-sample signature, sample dicts.
        .target(name: "VirtmonCeilometer", dependencies: ["VirtmonModel", .product(name: "Crypto", package: "swift-crypto")]),
        // libvirt, bound at run time with dlopen: the build needs no libvirt, the agent runs without it.
        .target(name: "VirtmonLibvirt"),
        .target(
            name: "VirtmonPollsters",
            dependencies: ["VirtmonModel", "VirtmonAgent", "VirtmonLibvirt", "VirtmonThreads", .product(name: "Logging", package: "swift-log")]
        ),
        .target(
            name: "VirtmonPipeline",
            dependencies: ["VirtmonModel", .product(name: "Logging", package: "swift-log")]
        ),
        .target(
            name: "VirtmonPublishers",
            dependencies: [
                "VirtmonModel", "VirtmonThreads", "VirtmonNetwork", "VirtmonPrometheus", "VirtmonAMQP",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]
        ),
        // Storage protocols, queries, the in-memory reference store and the SQL shared by both databases.
        .target(name: "VirtmonStorage", dependencies: ["VirtmonModel", "VirtmonThreads"]),
        // What API clients send (query strings, Ceilometer filters and complex queries, posted samples), parsed
        // with no server attached, so that fuzzers and tests reach the parsers alone.
        .target(name: "VirtmonRequests", dependencies: ["VirtmonModel", "VirtmonStorage"]),
        // The system's libsqlite3 (libsqlite3-dev), bound directly: one connection per actor, no ORM.
        .systemLibrary(name: "CSQLite", path: "Sources/CSQLite", pkgConfig: "sqlite3"),
        .target(name: "VirtmonStorageSQLite", dependencies: ["VirtmonStorage", "VirtmonThreads", "CSQLite"]),
        .target(
            name: "VirtmonStoragePostgres",
            dependencies: [
                "VirtmonStorage",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "VirtmonCollector",
            dependencies: [
                "VirtmonModel", "VirtmonStorage", "VirtmonTelemetry", "VirtmonNetwork", "VirtmonCeilometer", "VirtmonAMQP",
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]
        ),
        .target(
            name: "VirtmonAPI",
            dependencies: [
                "VirtmonModel", "VirtmonStorage", "VirtmonRequests", "VirtmonCollector", "VirtmonTelemetry", "VirtmonPrometheus", "VirtmonNetwork",
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            // The dashboard's files, compiled in as byte arrays: the binary alone serves the page.
            resources: ["index.html", "dashboard.js", "plot.js", "dashboard.css", "icon.svg"].map { .embedInCode("Dashboard/Assets/\($0)") }
        ),
        .target(
            name: "VirtmonServer",
            dependencies: [
                "VirtmonModel", "VirtmonThreads", "VirtmonTelemetry", "VirtmonAgent", "VirtmonPollsters", "VirtmonPipeline", "VirtmonPublishers", "VirtmonLibvirt",
                "VirtmonStorage", "VirtmonStorageSQLite", "VirtmonStoragePostgres", "VirtmonCollector", "VirtmonAPI", "VirtmonAMQP",
                "VirtmonNetwork",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        // The CLI's side of the query API: the HTTP client, tables, the meter catalogue.
        .target(
            name: "VirtmonCLI",
            dependencies: [
                "VirtmonModel", "VirtmonNetwork",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "virtmon",
            dependencies: [
                "VirtmonServer", "VirtmonCLI", "VirtmonPollsters", "CAllocator",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            linkerSettings: executableLinkerSettings,
            plugins: ["BuildInfoPlugin"]
        ),
        // The commit `virtmon --version` prints, written before each build.
        .plugin(name: "BuildInfoPlugin", capability: .buildTool()),
        // A stand-in hypervisor process for the monitor tests: guest RAM mapping, growing heap, vCPU thread.
        .executableTarget(name: "vmm-stand-in", path: "Tests/Helpers/VMMStandIn"),
        // Every decoder bytes from outside reach, as libFuzzer targets (scripts/fuzz.sh); built plainly,
        // virtmon-fuzz replays inputs through them.
        .target(
            name: "VirtmonFuzz",
            dependencies: ["VirtmonModel", "VirtmonStorage", "VirtmonRequests", "VirtmonCeilometer", "VirtmonPrometheus", "VirtmonPipeline",
                           "VirtmonServer", .product(name: "SwiftProtobuf", package: "swift-protobuf")]
        ),
        .executableTarget(name: "virtmon-fuzz", dependencies: ["VirtmonFuzz"]),
        .testTarget(name: "VirtmonFuzzTests", dependencies: ["VirtmonFuzz"]),
        .testTarget(name: "VirtmonModelTests", dependencies: ["VirtmonModel"]),
        .testTarget(name: "VirtmonThreadsTests", dependencies: ["VirtmonThreads"]),
        .testTarget(name: "VirtmonPrometheusTests", dependencies: ["VirtmonPrometheus", "VirtmonModel"]),
        .testTarget(name: "VirtmonCeilometerTests", dependencies: ["VirtmonCeilometer", "VirtmonModel"]),
        .testTarget(
            name: "VirtmonAgentTests",
            dependencies: [
                "VirtmonAgent", "VirtmonPublishers", "VirtmonTestSupport",
                .product(name: "ServiceLifecycleTestKit", package: "swift-service-lifecycle"),
            ]
        ),
        .testTarget(
            name: "VirtmonPollstersTests",
            dependencies: ["VirtmonPollsters", "VirtmonAgent", "VirtmonLibvirt", "VirtmonThreads", "VirtmonTestSupport", "vmm-stand-in"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(name: "VirtmonPipelineTests", dependencies: ["VirtmonPipeline"]),
        // A real HTTP endpoint on loopback that records what it is sent, for the publisher and webhook tests.
        .target(
            name: "VirtmonTestSupport",
            dependencies: [
                "VirtmonModel",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "Tests/VirtmonTestSupport"
        ),
        .testTarget(
            name: "VirtmonPublishersTests",
            dependencies: [
                "VirtmonPublishers", "VirtmonNetwork", "VirtmonTestSupport", "VirtmonPrometheus",
                .product(name: "ServiceLifecycleTestKit", package: "swift-service-lifecycle"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "VirtmonStorageTests",
            dependencies: [
                "VirtmonStorage", "VirtmonStorageSQLite", "VirtmonStoragePostgres", "VirtmonThreads", "VirtmonTestSupport",
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ]
        ),
        .testTarget(
            name: "VirtmonCollectorTests",
            dependencies: [
                "VirtmonServer", "VirtmonCollector", "VirtmonAPI", "VirtmonStorage", "VirtmonStorageSQLite", "VirtmonAMQP", "VirtmonPublishers",
                "VirtmonTelemetry", "VirtmonTestSupport", "VirtmonPrometheus",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            // Scripts the tests run by path (the dashboard's browser check), not compiled.
            exclude: ["Fixtures"]
        ),
        .testTarget(
            name: "VirtmonServerTests",
            dependencies: [
                "VirtmonServer", "VirtmonCLI", "VirtmonTestSupport", "VirtmonAPI", "VirtmonAgent", "VirtmonPollsters", "VirtmonLibvirt",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "ServiceLifecycleTestKit", package: "swift-service-lifecycle"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
    ]
)
