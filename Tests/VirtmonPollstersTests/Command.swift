import Foundation
import VirtmonTestSupport

/// Runs a program and returns what it printed; used to read the host independently of virtmon's own parsers.
enum Command {
    /// Runs on a thread of its own: waiting for a child must not hold one of the few cooperative threads that
    /// timing-sensitive tests running in parallel need.
    static func output(_ executable: String, _ arguments: [String]) async throws -> String {
        try await onThread { try blockingOutput(executable, arguments) }
    }

    static func blockingOutput(_ executable: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        _ = ProcessRunner.reap(process)
        return String(decoding: data, as: UTF8.self)
    }

    /// The first of `candidates` that exists and is executable.
    static func find(_ candidates: [String]) -> String? {
        candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}

/// Runs blocking work on a new thread and waits for it without blocking a cooperative thread.
func onThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try body() }) }.start()
    }
}
