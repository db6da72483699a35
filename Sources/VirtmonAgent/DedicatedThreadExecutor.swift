import Foundation
import Synchronization

/// Runs the jobs of the tasks that prefer it on threads of its own, never on Swift's cooperative pool.
///
/// Pollsters read files and call statvfs; a read of a dead NFS mount or a wedged /proc file blocks its
/// thread for good. On the cooperative pool (one thread per core, two here) two such pollsters would starve
/// every task, the scheduler's deadline timer included. Here a job that finds no idle thread gets a new one,
/// so a stuck thread never holds up another job; idle threads wait to be reused, so steady polling starts no
/// threads at all. The scheduler skips a pollster while it is still running, so stuck threads do not pile up.
final class DedicatedThreadExecutor: TaskExecutor {
    static let shared = DedicatedThreadExecutor()

    private struct State {
        var jobs: [UnownedJob] = []
        var head = 0
        var idle = 0
        var threads = 0
    }

    private let state = Mutex(State())
    private let wakeup = DispatchSemaphore(value: 0)

    /// Threads started so far, for tests.
    var threadCount: Int { state.withLock { $0.threads } }

    func enqueue(_ job: consuming ExecutorJob) {
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
            let thread = Thread { [self] in work() }
            thread.name = "virtmon-poll"
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
