import Foundation

/// Runs every job of the tasks that prefer it on a fresh thread of its own.
///
/// Pollsters read files and call statvfs; a read of a dead NFS mount or a wedged /proc file blocks its
/// thread for good. On Swift's cooperative pool (one thread per core, two here) two such pollsters would
/// starve every task, the scheduler's deadline timer included. On this executor a stuck pollster holds only
/// its own thread, and the scheduler skips it while it is still running, so stuck threads do not pile up.
/// A thread per job is affordable at polling rates: a handful of pollsters every few seconds.
final class DedicatedThreadExecutor: TaskExecutor {
    static let shared = DedicatedThreadExecutor()

    func enqueue(_ job: consuming ExecutorJob) {
        let unowned = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        let thread = Thread {
            unowned.runSynchronously(on: executor)
        }
        thread.stackSize = 512 * 1024
        thread.start()
    }
}
