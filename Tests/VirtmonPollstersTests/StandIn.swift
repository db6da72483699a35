import Foundation
import Synchronization
import VirtmonTestSupport
import VirtmonThreads

/// The `vmm-stand-in` helper as a real child process: a guest-RAM mapping, a heap that grows on command, a
/// thread named like a QEMU vCPU.
///
/// Every wait on it (its answers, its exit) runs on a blocking thread: a "spin 600" holds the waiter for as long
/// as the stand-in spins, and on the cooperative pool that stalled every other test's timers (seen with the
/// suite's stall watchdog).
final class StandIn: Sendable {
    let process = Process()
    private let input = Pipe()
    private let output = Pipe()
    private let buffered = Mutex(Data())

    static var binary: String? { BuiltExecutable.path("vmm-stand-in") }

    /// Starts it (through `executable`, a link, when the program name matters) and waits for "ready".
    init(guestMiB: Int, touchMiB: Int, executable: String? = nil) async throws {
        process.executableURL = URL(fileURLWithPath: executable ?? StandIn.binary!)
        process.arguments = ["\(guestMiB)", "\(touchMiB)"]
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        try await expectLine("ready")
    }

    var pid: Int32 { process.processIdentifier }

    /// Sends a command and waits for its "ok".
    func send(_ command: String) async throws {
        input.fileHandleForWriting.write(Data((command + "\n").utf8))
        try await expectLine("ok")
    }

    private func expectLine(_ expected: String) async throws {
        try await Blocking.run { try self.readLine(expected) }
    }

    private func readLine(_ expected: String) throws {
        while true {
            let line = buffered.withLock { buffered -> String? in
                guard let newline = buffered.firstIndex(of: UInt8(ascii: "\n")) else { return nil }
                let line = String(decoding: buffered[buffered.startIndex..<newline], as: UTF8.self)
                buffered = Data(buffered[buffered.index(after: newline)...])
                return line
            }
            if let line {
                guard line == expected else { throw StandInError(message: "expected \(expected), got \(line)") }
                return
            }
            let chunk = output.fileHandleForReading.availableData
            guard !chunk.isEmpty else { throw StandInError(message: "stand-in ended before '\(expected)'") }
            buffered.withLock { $0.append(chunk) }
        }
    }

    /// Kills it and waits until it is reaped.
    func kill() async {
        Glibc.kill(pid, SIGKILL)
        await process.exited()
    }

    deinit {
        // A test that ended early: the child must not outlive it. Reaped by whoever waits next (or init).
        if process.isRunning { Glibc.kill(pid, SIGKILL) }
    }
}

struct StandInError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
