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

    private struct State {
        var jobs: [UnownedJob] = []
        var head = 0
        var idle = 0
        var threads = 0
    }

    private let state = Mutex(State())
    private let wakeup = DispatchSemaphore(value: 0)
    private let name: String

    /// A pool of its own (tests; the process shares `shared`); `name` names its threads.
    public init(name: String = "vm-blocking") {
        self.name = name
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
            state.threads += 1
            return (false, true)
        }
        if wake { wakeup.signal() }
        if spawn {
            let thread = Thread { [self] in
                ThreadName.set(name)
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
