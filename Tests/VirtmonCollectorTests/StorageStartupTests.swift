import Foundation
import Logging
import Testing
import VirtmonServer

/// A database that is away or refuses at start ends the start with the server and its reason within the
/// bounded time, instead of a collector that never serves and never says why.
@Suite("Storage start-up")
struct StorageStartupTests {
    func start(_ url: String) async -> (error: String, seconds: Double) {
        var config = CollectorConfig(dataDir: FileManager.default.temporaryDirectory.appendingPathComponent("virtmon-pgstart-\(UUID().uuidString)").path)
        config.storage = url
        config.storageStartupTimeout = .seconds(2)
        defer { try? FileManager.default.removeItem(atPath: config.dataDir) }
        var logger = Logger(label: "test.pgstart")
        logger.logLevel = .critical
        let began = ContinuousClock.now
        do {
            let runtime = try await CollectorRuntime.build(config: config, logger: logger)
            await runtime.close()
            return ("started", 0)
        } catch {
            return ("\(error)", (ContinuousClock.now - began).inSeconds)
        }
    }

    @Test("nothing listening: refused with host, port and reason within the startup timeout")
    func unreachable() async throws {
        let port = try CrashTests.freePort()
        let (error, seconds) = await start("postgres://virtmon@127.0.0.1:\(port)/virtmon")
        #expect(error.contains("PostgreSQL at 127.0.0.1:\(port)") && error.contains("connection refused") && error.contains("within 2 s"), "\(error)")
        #expect(seconds < 15)
    }

    @Test("a server that refuses (no such database): its message and SQLSTATE", .enabled(if: ProcessInfo.processInfo.environment["VIRTMON_TEST_POSTGRES_URL"] != nil))
    func refused() async throws {
        let base = ProcessInfo.processInfo.environment["VIRTMON_TEST_POSTGRES_URL"]!
        let url = String(base[..<base.lastIndex(of: "/")!]) + "/no_such_db"
        let (error, _) = await start(url)
        #expect(error.contains("no_such_db") && error.contains("SQLSTATE 3D000"), "\(error)")
        #expect(!error.contains("Generic description"))
    }
}
