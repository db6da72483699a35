import Foundation
import Synchronization

/// Says on stderr when the cooperative pool takes long to start a job, so that a timing test failing in a loaded
/// run can be matched to the stall that caused it. With `VIRTMON_STALL_DUMP=DIR` it also writes every thread's
/// stack (gdb) to DIR at the moment a stall passes the threshold, which names the call holding the threads.
///
/// It watches from a thread of its own: a probe posted to the pool every 200 ms, timed until it runs.
public enum StallWatchdog {
    private static let started: Void = {
        let threshold = Double(ProcessInfo.processInfo.environment["VIRTMON_STALL_SECONDS"] ?? "") ?? 2
        let dump = ProcessInfo.processInfo.environment["VIRTMON_STALL_DUMP"]
        let thread = Thread { watch(threshold: threshold, dumpDirectory: dump) }
        thread.name = "stall-watchdog"
        thread.start()
    }()

    /// Starts the watchdog once per process; later calls do nothing.
    public static func start() { _ = started }

    private final class Probe: Sendable {
        let ran = Atomic<Bool>(false)
    }

    private static func watch(threshold: Double, dumpDirectory: String?) {
        let limit = Duration.milliseconds(Int64(threshold * 1000))
        var dumps = 0
        while true {
            let probe = Probe()
            let posted = ContinuousClock.now
            let wall = Date()
            Task.detached { probe.ran.store(true, ordering: .releasing) }
            var dumped = false
            while !probe.ran.load(ordering: .acquiring) {
                usleep(20_000)
                let waited = ContinuousClock.now - posted
                if !dumped, let dumpDirectory, dumps < 20, waited > limit {
                    dumped = true
                    dumps += 1
                    dump(to: dumpDirectory, index: dumps)
                }
            }
            let waited = ContinuousClock.now - posted
            if waited > limit {
                FileHandle.standardError.write(Data(
                    "[stall-watchdog] the cooperative pool took \(waited) to start a job posted at \(wall)\n".utf8))
            }
            usleep(200_000)
        }
    }

    private static func dump(to directory: String, index: Int) {
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = "\(directory)/stall-\(getpid())-\(index).txt"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/gdb")
        process.arguments = ["-p", "\(getpid())", "-batch", "-nx", "-ex", "set pagination off", "-ex", "thread apply all bt 25"]
        FileManager.default.createFile(atPath: path, contents: nil)
        guard let file = FileHandle(forWritingAtPath: path) else { return }
        process.standardOutput = file
        process.standardError = file
        do { try process.run() } catch { return }
        _ = ProcessRunner.reap(process)
        try? file.close()
        FileHandle.standardError.write(Data("[stall-watchdog] stacks of a stall written to \(path)\n".utf8))
    }
}
