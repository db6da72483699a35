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
        try await withCheckedThrowingContinuation { continuation in
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
                    process.waitUntilExit()
                    while !errorData.isSet { usleep(1000) }
                    return Result(
                        status: process.terminationStatus, stdout: String(decoding: output, as: UTF8.self),
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

extension Process {
    /// Waits for the process to end without holding a cooperative thread (waitUntilExit would, for as long as
    /// the process takes to stop, starving the timing-sensitive tests that run beside it).
    public func exited() async {
        while isRunning { try? await Task.sleep(for: .milliseconds(20)) }
    }
}
