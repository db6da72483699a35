import Foundation
import Synchronization

/// One thread that runs an actor's jobs in order: an actor that owns a blocking resource (an SQLite
/// connection, a spool directory) declares `nonisolated var unownedExecutor` from one of these, so that its
/// calls block this thread and never one of the cooperative pool's (as GRDB gives each database connection a
/// serial queue of its own).
///
/// The thread ends when the executor is released, which happens with its actor: queued jobs hold the actor,
/// so none can be left behind.
public final class SerialThreadExecutor: SerialExecutor {
    /// What the thread and the executor share. The thread holds this, not the executor, so that releasing the
    /// executor can end the thread.
    private final class Queue: Sendable {
        struct State {
            var jobs: [UnownedJob] = []
            var closed = false
            /// Unowned: set once in `init`; every job the thread runs holds an actor that holds the executor.
            var executor: UnownedSerialExecutor?
        }
        let state = Mutex(State())
        let wakeup = DispatchSemaphore(value: 0)

        func run() {
            while true {
                let (jobs, closed, executor) = state.withLock { state -> ([UnownedJob], Bool, UnownedSerialExecutor?) in
                    defer { state.jobs.removeAll(keepingCapacity: true) }
                    return (state.jobs, state.closed, state.executor)
                }
                guard let executor, !jobs.isEmpty else {
                    if closed { return }
                    wakeup.wait()
                    continue
                }
                for job in jobs { job.runSynchronously(on: executor) }
            }
        }
    }

    private let queue = Queue()

    /// Starts the thread, named `name` (it shows in `top -H` and in crash reports; the kernel keeps 15 characters).
    public init(name: String) {
        let queue = self.queue
        queue.state.withLock { $0.executor = UnownedSerialExecutor(ordinary: self) }
        let thread = Thread {
            ThreadName.set(name)
            queue.run()
        }
        thread.name = name
        thread.stackSize = 1 << 20
        thread.start()
    }

    deinit {
        queue.state.withLock { $0.closed = true }
        queue.wakeup.signal()
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        queue.state.withLock { $0.jobs.append(job) }
        queue.wakeup.signal()
    }

    public func asUnownedSerialExecutor() -> UnownedSerialExecutor { UnownedSerialExecutor(ordinary: self) }
}
