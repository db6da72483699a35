import Foundation
import VirtmonTestSupport

/// A PostgreSQL server of a test's own (scripts/postgres.sh under the run's directory, on a free port), that the
/// test may stop and start again as an outage; stopped and removed however the test ends.
struct ThrowawayPostgres: Sendable {
    let directory: String
    /// postgres://virtmon@127.0.0.1:PORT/virtmon
    let url: String
    let port: String

    /// Why no server can be started here, or nil.
    static var unavailableReason: String? {
        (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql"))?.isEmpty == false
            ? nil : "PostgreSQL's server is not installed (scripts/test.sh installs it)"
    }

    /// Starts a server named after `name`, runs `body` with it, then stops and removes it.
    static func with(_ name: String, _ body: (ThrowawayPostgres) async throws -> Void) async throws {
        let base = ProcessInfo.processInfo.environment["VIRTMON_TEST_RUN"] ?? FileManager.default.temporaryDirectory.path
        let directory = "\(base)/\(name)-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        var failure: (any Error)?
        do {
            let url = try await script("start", directory, String(try CrashTests.freePort()))
            let port = String(url.split(separator: ":").last!.split(separator: "/").first!)
            try await body(ThrowawayPostgres(directory: directory, url: url, port: port))
        } catch {
            failure = error
        }
        _ = try? await script("stop", directory)
        try? FileManager.default.removeItem(atPath: directory)
        if let failure { throw failure }
    }

    /// Runs scripts/postgres.sh with `arguments`; its output (the URL, for `start`).
    static func script(_ arguments: String...) async throws -> String {
        let path = DashboardBrowserTests.packageRoot.appendingPathComponent("scripts/postgres.sh").path
        let result = try await ProcessRunner.run("/bin/bash", [path] + arguments)
        guard result.status == 0 else { throw ScriptError(text: "postgres.sh \(arguments.joined(separator: " ")): \(result.stderr)") }
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Immediate shutdown, as a crash: connections are cut mid-statement.
    func stop() async throws { _ = try await Self.script("stop", directory) }

    /// The same server again, on the same port.
    func start() async throws { _ = try await Self.script("start", directory, port) }
}

/// A helper script or tool that failed, with what it printed.
struct ScriptError: Error, CustomStringConvertible {
    var text: String
    var description: String { text }
}
