import Foundation

/// A real server the tests run beside virtmon (Prometheus, VictoriaMetrics, vmagent, node_exporter, a virtmon
/// agent): started by PID with its output in a file of its own (never the test runner's pipes), stopped with
/// SIGTERM, and SIGKILL if it lingers.
public final class PeerProcess: Sendable {
    public let process: Process
    public let name: String
    /// Where its standard output and error go.
    public let log: URL

    public init(_ executable: String, _ arguments: [String], log: URL, environment: [String: String]? = nil) throws {
        StallWatchdog.start()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        self.process = process
        self.name = URL(fileURLWithPath: executable).lastPathComponent
        self.log = log
    }

    public var pid: Int32 { process.processIdentifier }

    /// A peer nobody stopped (a test that failed early, a stop scheduled in a Task the runner did not wait for)
    /// must not outlive the test process: it is killed when the last reference goes.
    deinit {
        if ProcessRunner.ended(process) == nil {
            kill(process.processIdentifier, SIGKILL)
            _ = ProcessRunner.reap(process)
        }
    }

    /// Stops it (SIGTERM, then SIGKILL after `grace`) and waits until it has ended.
    public func stop(grace: Duration = .seconds(10)) async {
        guard ProcessRunner.ended(process) == nil else { return }
        kill(process.processIdentifier, SIGTERM)
        let deadline = ContinuousClock.now.advanced(by: grace)
        while ProcessRunner.ended(process) == nil {
            if ContinuousClock.now > deadline {
                kill(process.processIdentifier, SIGKILL)
                await process.exited()
                return
            }
            try? await Task.sleep(for: .milliseconds(20))
        }
    }

    /// The end of its output, for a failing test's message.
    public func tail(_ bytes: Int = 2000) -> String {
        guard let data = try? Data(contentsOf: log) else { return "" }
        return String(decoding: data.suffix(bytes), as: UTF8.self)
    }

    /// Where Debian installs a peer, or nil when it is not installed.
    public static func installed(_ candidates: String...) -> String? {
        candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}
