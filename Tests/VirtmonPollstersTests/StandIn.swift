import Foundation
import VirtmonTestSupport

/// The `vmm-stand-in` helper as a real child process: a guest-RAM mapping, a heap that grows on command, a
/// thread named like a QEMU vCPU.
final class StandIn {
    let process = Process()
    private let input = Pipe()
    private let output = Pipe()
    private var buffered = Data()

    static var binary: String? { BuiltExecutable.path("vmm-stand-in") }

    /// Starts it (through `executable`, a link, when the program name matters) and waits for "ready".
    init(guestMiB: Int, touchMiB: Int, executable: String? = nil) throws {
        process.executableURL = URL(fileURLWithPath: executable ?? StandIn.binary!)
        process.arguments = ["\(guestMiB)", "\(touchMiB)"]
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        try expectLine("ready")
    }

    var pid: Int32 { process.processIdentifier }

    /// Sends a command and waits for its "ok".
    func send(_ command: String) throws {
        input.fileHandleForWriting.write(Data((command + "\n").utf8))
        try expectLine("ok")
    }

    private func expectLine(_ expected: String) throws {
        while true {
            if let newline = buffered.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: buffered[buffered.startIndex..<newline], as: UTF8.self)
                buffered = Data(buffered[buffered.index(after: newline)...])
                guard line == expected else { throw StandInError(message: "expected \(expected), got \(line)") }
                return
            }
            let chunk = output.fileHandleForReading.availableData
            guard !chunk.isEmpty else { throw StandInError(message: "stand-in ended before '\(expected)'") }
            buffered.append(chunk)
        }
    }

    func kill() {
        Glibc.kill(pid, SIGKILL)
        _ = ProcessRunner.reap(process)
    }

    deinit {
        if process.isRunning { kill() }
    }
}

struct StandInError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
