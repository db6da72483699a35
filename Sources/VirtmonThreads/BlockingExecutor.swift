import Foundation
import Synchronization

/// Runs the jobs of the tasks that prefer it on threads of its own, never on Swift's cooperative pool: the one
/// place in virtmon where work that may block (file reads of /proc and /sys, statvfs, fsync, name resolution,
/// libvirt's RPCs) runs. Use it through `Blocking.run`, or `Task(executorPreference: BlockingExecutor.shared)`.
///
/// A read of a dead NFS mount or a wedged /proc file blocks its thread for good. On the cooperative pool (one
/// thread per core, two here) two such calls would starve every task, timers included. Here a job that finds
/// no idle thread gets a new one, so a stuck thread never holds up another job; idle threads wait to be
/// reused, so steady work starts no threads at all. Callers that repeat (the poll scheduler) skip work that is
/// still running, so stuck threads do not pile up.
public final class BlockingExecutor: TaskExecutor {
    /// The process's pool.
    public static let shared = BlockingExecutor(name: "vm-blocking")

    /// Where the collector's long reads fold their answers (statistics, sample listings): one thread per
    /// core at nice 10, so that a burst of heavy queries shares the CPU with ingest instead of holding the
    /// cooperative pool that commits and HTTP run on.
    public static let queries = BlockingExecutor(
        name: "vm-query", maxThreads: max(1, ProcessInfo.processInfo.activeProcessorCount), niceness: 10)

    private struct State {
        var jobs: [UnownedJob] = []
        var head = 0
        var idle = 0
        var threads = 0
    }

    private let state = Mutex(State())
    private let wakeup = DispatchSemaphore(value: 0)
    private let name: String
    private let maxThreads: Int
    private let niceness: Int32

    /// A pool of its own (tests; the process shares `shared`); `name` names its threads. With `maxThreads`
    /// a job that finds every thread busy waits for one (for CPU-bound work, where more threads than cores
    /// only add switching); `niceness` lowers the threads' scheduling priority.
    public init(name: String = "vm-blocking", maxThreads: Int = .max, niceness: Int32 = 0) {
        self.name = name
        self.maxThreads = max(1, maxThreads)
        self.niceness = niceness
    }

    /// Threads started so far.
    public var threadCount: Int { state.withLock { $0.threads } }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let (wake, spawn) = state.withLock { state -> (Bool, Bool) in
            state.jobs.append(job)
            if state.idle > 0 {
                state.idle -= 1
                return (true, false)
            }
            guard state.threads < maxThreads else { return (false, false) }
            state.threads += 1
            return (false, true)
        }
        if wake { wakeup.signal() }
        if spawn {
            let thread = Thread { [self] in
                ThreadName.set(name)
                // Linux keeps a nice value per thread: PRIO_PROCESS with who 0 sets the calling thread's.
                if niceness != 0 { setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, niceness) }
                work()
            }
            thread.name = name
            thread.stackSize = 512 * 1024
            thread.start()
        }
    }

    private func work() {
        let executor = asUnownedTaskExecutor()
        while true {
            let next = state.withLock { state -> UnownedJob? in
                guard state.head < state.jobs.count else {
                    state.idle += 1
                    return nil
                }
                let job = state.jobs[state.head]
                state.head += 1
                if state.head > 64, state.head * 2 > state.jobs.count {
                    state.jobs.removeFirst(state.head)
                    state.head = 0
                }
                return job
            }
            if let next {
                next.runSynchronously(on: executor)
            } else {
                wakeup.wait()
            }
        }
    }
}
