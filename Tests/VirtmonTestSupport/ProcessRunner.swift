import Foundation
import Synchronization

/// Runs a program to completion on a thread of its own (waiting must not hold a cooperative thread) and
/// returns its exit status and output.
public enum ProcessRunner {
    public struct Result: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
    }

    public static func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) async throws -> Result {
        StallWatchdog.start()
        return try await withCheckedThrowingContinuation { continuation in
            Thread {
                continuation.resume(with: Swift.Result {
                    let process = Process()
                    process.executableURL = URL(fileURLWithPath: executable)
                    process.arguments = arguments
                    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
                    let out = Pipe(), err = Pipe()
                    process.standardOutput = out
                    process.standardError = err
                    try process.run()
                    // Read stderr beside stdout so that neither pipe fills and stalls the child.
                    let errorData = MutexData()
                    let reader = Thread { errorData.set(err.fileHandleForReading.readDataToEndOfFile()) }
                    reader.start()
                    let output = out.fileHandleForReading.readDataToEndOfFile()
                    let exit = ProcessRunner.reap(process)
                    while !errorData.isSet { usleep(1000) }
                    return Result(
                        status: exit.signalled ? 128 + exit.code : exit.code, stdout: String(decoding: output, as: UTF8.self),
                        stderr: String(decoding: errorData.value, as: UTF8.self))
                })
            }.start()
        }
    }
}

/// A byte buffer one thread fills and another reads once it is set.
final class MutexData: Sendable {
    private let state = Mutex<(Data, Bool)>((Data(), false))
    func set(_ data: Data) { state.withLock { $0 = (data, true) } }
    var isSet: Bool { state.withLock { $0.1 } }
    var value: Data { state.withLock { $0.0 } }
}

/// How a child ended: its exit code, or the signal that ended it.
public struct ProcessExit: Sendable, Equatable {
    public var signalled: Bool
    public var code: Int32

    public init(signalled: Bool, code: Int32) {
        self.signalled = signalled
        self.code = code
    }
}

extension ProcessRunner {
    /// Waits for `process` to end and says how, without relying on Foundation noticing: once libvirt is loaded
    /// into the test process, SIGCHLD was seen back at its default disposition, Foundation's monitor never
    /// learned of an exit, and waitUntilExit waited forever beside a zombie. This reaps the child itself when
    /// Foundation has not.
    public static func reap(_ process: Process) -> ProcessExit {
        while true {
            if let exit = ended(process) { return exit }
            usleep(5000)
        }
    }

    /// How `process` ended, or nil while it runs: Foundation's record when it has one, else the child reaped
    /// here with WNOHANG.
    static func ended(_ process: Process) -> ProcessExit? {
        if !process.isRunning {
            return ProcessExit(signalled: process.terminationReason == .uncaughtSignal, code: process.terminationStatus)
        }
        var status: Int32 = 0
        guard waitpid(process.processIdentifier, &status, WNOHANG) == process.processIdentifier else { return nil }
        // WIFEXITED / WEXITSTATUS / WTERMSIG, spelled out (they are C macros).
        return status & 0x7f == 0
            ? ProcessExit(signalled: false, code: (status >> 8) & 0xff)
            : ProcessExit(signalled: true, code: status & 0x7f)
    }
}

extension Process {
    /// Waits for the process to end without holding a cooperative thread (waitUntilExit would, for as long as
    /// the process takes to stop, starving the timing-sensitive tests that run beside it), and says how.
    @discardableResult
    public func exited() async -> ProcessExit {
        while true {
            if let exit = ProcessRunner.ended(self) { return exit }
            try? await Task.sleep(for: .milliseconds(20))
        }
    }
}
