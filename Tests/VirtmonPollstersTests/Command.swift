import Foundation
import VirtmonTestSupport

/// Runs a program and returns what it printed; used to read the host independently of virtmon's own parsers.
enum Command {
    /// Its standard output (ProcessRunner waits on a thread of its own, off the cooperative pool).
    static func output(_ executable: String, _ arguments: [String]) async throws -> String {
        try await ProcessRunner.run(executable, arguments).stdout
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
