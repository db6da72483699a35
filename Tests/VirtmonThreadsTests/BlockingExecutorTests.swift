import Foundation
import Synchronization
import Testing
import VirtmonThreads

/// How many blocking calls have returned: the checks below compare order, not durations. The blocked calls
/// last 10 s because the suite's first seconds (Python, QEMU, sixty suites starting) once kept a fresh thread
/// from running for 3 s.
final class Finished: Sendable {
    private let count = Mutex(0)
    func add() { count.withLock { $0 += 1 } }
    var value: Int { count.withLock { $0 } }
}

@Suite struct BlockingExecutorTests {
    @Test func aBlockedJobDoesNotHoldUpOthersAndIdleThreadsAreReused() async throws {
        let executor = BlockingExecutor(name: "test-blocking")
        // Two tasks block their threads in a syscall for a while.
        let finished = Finished()
        let blocked = (0..<2).map { _ in
            Task(executorPreference: executor) {
                usleep(10_000_000)
                finished.add()
            }
        }
        try await Task.sleep(for: .milliseconds(100))
        // Read on the executor's thread when the job runs, not after the test's own task resumes: on a loaded
        // suite the cooperative pool can take longer than the blocked calls to resume it (seen in CI: 2).
        let finishedWhenItRan = await Task(executorPreference: executor) { finished.value }.value
        #expect(finishedWhenItRan == 0, "ran beside the blocked ones, not after them")
        for task in blocked { await task.value }
        let threads = executor.threadCount
        for _ in 0..<50 { _ = await Task(executorPreference: executor) { 1 }.value }
        // A job that arrives while its predecessor's thread is still winding down gets a new thread, so a
        // few may be added, but not one per job.
        #expect(executor.threadCount <= threads + 10, "50 sequential jobs reused idle threads: \(executor.threadCount)")
    }
}

@Suite struct SerialThreadExecutorTests {
    actor Counter {
        let executor: SerialThreadExecutor
        nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }
        var values: [Int] = []
        var threadNames: Set<String> = []
        init(executor: SerialThreadExecutor) { self.executor = executor }
        func add(_ value: Int) {
            values.append(value)
            threadNames.insert(currentThreadName())
        }
    }

    @Test func anActorOnItRunsInOrderOnItsOwnThread() async {
        let counter = Counter(executor: SerialThreadExecutor(name: "test-serial"))
        for value in 0..<200 { await counter.add(value) }
        #expect(await counter.values == Array(0..<200))
        let names = await counter.threadNames
        #expect(names == ["test-serial"], "every job ran on the executor's thread: \(names)")
    }

    @Test func blockingActorsDoNotHoldUpTheCooperativePool() async throws {
        // As many blocking actors as this machine has cores: on the pool they would stall every task.
        let finished = Finished()
        let sleepers = (0..<ProcessInfo.processInfo.activeProcessorCount).map { index in
            let blocked = Counter(executor: SerialThreadExecutor(name: "test-blocked-\(index)"))
            return Task {
                await blocked.sleep(milliseconds: 10_000)
                finished.add()
            }
        }
        try await Task.sleep(for: .milliseconds(100))
        let answered = await Task { 42 }.value
        #expect(answered == 42)
        #expect(finished.value == 0, "the pool answered while every blocking actor was still blocked")
        for task in sleepers { await task.value }
    }

    @Test func blockingRunHasItsOwnThreads() async throws {
        let name = await Blocking.run { currentThreadName() }
        #expect(name == "vm-blocking")
    }
}

extension SerialThreadExecutorTests.Counter {
    func sleep(milliseconds: UInt32) { usleep(milliseconds * 1000) }
}

/// The calling thread's name as the kernel has it (at most 15 characters).
func currentThreadName() -> String {
    ((try? String(contentsOfFile: "/proc/thread-self/comm", encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
}
