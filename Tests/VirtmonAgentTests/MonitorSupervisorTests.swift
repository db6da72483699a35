import Foundation
import Logging
import ServiceLifecycleTestKit
import Synchronization
import Testing
import VirtmonModel
@testable import VirtmonAgent

/// A check that raises `perCheck` events every time it runs (occurrences, so every one is raised).
final class NoisyMonitor: Monitor {
    let type: String
    let cycle: Duration
    let level = EventLevel.error
    let raises = MonitorEvents.occurrences
    let perCheck: Int
    let runs = Mutex(0)

    init(type: String = "noisy", cycle: Duration = .milliseconds(20), perCheck: Int = 1) {
        self.type = type
        self.cycle = cycle
        self.perCheck = perCheck
    }

    func check(_ context: MonitorContext) async -> MonitorOutcome {
        let run = runs.withLock { value -> Int in
            value += 1
            return value
        }
        let events = (0..<perCheck).map { index in
            Event(time: context.time, type: type, level: level, host: context.host, resource: "r",
                  message: "run \(run) event \(index)")
        }
        let sample = Sample(name: "noise", type: .gauge, unit: "x", volume: Double(run), resourceID: "r",
                            timestamp: context.time)
        return MonitorOutcome(events: events, samples: [sample])
    }
}

/// Remembers what it was handed; optionally slow, to let the queue fill.
actor RecordingHandler: EventHandler {
    nonisolated let name = "record"
    let delay: Duration
    private(set) var events: [Event] = []
    init(delay: Duration = .zero) { self.delay = delay }
    func handle(_ event: Event) async {
        if delay > .zero { try? await Task.sleep(for: delay) }
        events.append(event)
    }
}

@Suite struct MonitorStateTests {
    @Test func onlyForwardTransitionsAreAllowed() async throws {
        let item = MonitorItem(NoisyMonitor())
        #expect(await item.state == .initial)
        try await item.transition(to: .running)
        await #expect(throws: IllegalTransition(type: "noisy", from: .running, to: .running)) {
            try await item.transition(to: .running)
        }
        try await item.transition(to: .stopped)
        await #expect(throws: IllegalTransition.self) { try await item.transition(to: .running) }
        await #expect(throws: IllegalTransition.self) { try await item.transition(to: .initial) }
        #expect("\(IllegalTransition(type: "t", from: .stopped, to: .running))" == "monitor t: cannot go from stopped to running")
    }

    @Test func concurrentTransitionsApplyExactlyOnce() async {
        let item = MonitorItem(NoisyMonitor())
        func race(_ target: MonitorState) async -> Int {
            await withTaskGroup(of: Bool.self) { group in
                for _ in 0..<200 {
                    group.addTask { (try? await item.transition(to: target)) != nil }
                }
                return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
        }
        #expect(await race(.running) == 1)
        #expect(await item.state == .running)
        #expect(await race(.stopped) == 1)
        #expect(await item.state == .stopped)
    }

    @Test func disabledItemsSkipChecks() async throws {
        let item = MonitorItem(NoisyMonitor())
        try await item.transition(to: .running)
        #expect(await item.shouldCheck)
        await item.setEnabled(false)
        #expect(!(await item.shouldCheck))
        await item.setEnabled(true)
        #expect(await item.shouldCheck)
    }
}

@Suite struct EventQueueTests {
    @Test func aFullQueueDropsAndCountsWithoutBlocking() async {
        let queue = EventQueue(capacity: 3)
        let event = Event(time: Date(), type: "t", level: .error, host: "h", resource: "r", message: "m")
        let accepted = (0..<10).map { _ in queue.put(event) }
        #expect(accepted == [true, true, true] + Array(repeating: false, count: 7))
        #expect(queue.accepted == 3 && queue.dropped == 7)
        queue.close()
        var drained = 0
        for await _ in queue.events { drained += 1 }
        #expect(drained == 3)
        #expect(!queue.put(event), "a closed queue takes nothing")
    }
}

actor SampleRecorder: SampleSink {
    private(set) var samples: [Sample] = []
    func accept(_ samples: [Sample], source: String) async { self.samples += samples }
}

@Suite(.serialized) struct MonitorSupervisorTests {
    let logger = Logger(label: "test")

    @Test func eventsReachTheirHandlerAndSamplesTheSink() async throws {
        let handler = RecordingHandler()
        let samples = SampleRecorder()
        let queue = EventQueue(capacity: 100)
        let supervisor = MonitorSupervisor(
            monitors: [NoisyMonitor(type: "noisy"), NoisyMonitor(type: "unhandled")], handlers: ["noisy": [handler]],
            queue: queue, sampleSink: samples, context: { MonitorContext(host: "h") }, logger: logger)
        try await testGracefulShutdown { shutdown in
            let running = Task { try await supervisor.run() }
            // The loop ends as soon as both arrived (well under a second alone); the bound only has to outlast
            // the suite's first seconds, when Python, QEMU and the build's other tests hold both cores.
            let deadline = ContinuousClock.now.advanced(by: .seconds(45))
            while ContinuousClock.now < deadline {
                let handled = await handler.events.count
                let sampled = await samples.samples.count
                if handled >= 3, sampled >= 6 { break }
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(await supervisor.item("noisy")?.state == .running)
            shutdown.triggerGracefulShutdown()
            try await running.value
        }
        let events = await handler.events
        #expect(events.count >= 3 && events.allSatisfy { $0.type == "noisy" }, "unhandled types go to the log only")
        #expect(events.map(\.message) == events.map(\.message).sorted { a, b in
            Int(a.split(separator: " ")[1])! < Int(b.split(separator: " ")[1])!
        }, "in order")
        #expect(await samples.samples.count >= 6)
        #expect(await supervisor.item("noisy")?.state == .stopped)
        #expect(queue.dropped == 0)
    }

    @Test func aFloodIsDroppedAndCountedNotQueuedWithoutBound() async throws {
        let handler = RecordingHandler(delay: .milliseconds(50))
        let queue = EventQueue(capacity: 5)
        let supervisor = MonitorSupervisor(
            monitors: [NoisyMonitor(type: "noisy", cycle: .milliseconds(10), perCheck: 20)],
            handlers: ["noisy": [handler]], queue: queue, sampleSink: nil, context: { MonitorContext(host: "h") },
            logger: logger)
        try await testGracefulShutdown { shutdown in
            let running = Task { try await supervisor.run() }
            // Until the monitor has raised far more than the queue holds (a loaded machine may run its
            // 10 ms cycle only a few times in 300 ms, as CI once showed with nothing dropped).
            let deadline = ContinuousClock.now + .seconds(20)
            while queue.accepted + queue.dropped < 200 && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(50))
            }
            shutdown.triggerGracefulShutdown()
            try await running.value
        }
        let handled = await handler.events.count
        print("flood: \(queue.accepted) queued, \(queue.dropped) dropped, \(handled) handled")
        #expect(queue.dropped > 0)
        #expect(handled == queue.accepted, "everything queued was handed out, even during shutdown")
    }

    @Test func aDisabledItemRaisesNothing() async throws {
        let handler = RecordingHandler()
        let supervisor = MonitorSupervisor(
            monitors: [NoisyMonitor(type: "noisy")], handlers: ["noisy": [handler]], queue: EventQueue(capacity: 100),
            sampleSink: nil, context: { MonitorContext(host: "h") }, logger: logger)
        try await testGracefulShutdown { shutdown in
            let running = Task { try await supervisor.run() }
            try await Task.sleep(for: .milliseconds(100))
            await supervisor.item("noisy")?.setEnabled(false)
            // A check already under way when it was disabled may still finish; let it.
            try await Task.sleep(for: .milliseconds(300))
            let before = await handler.events.count
            try await Task.sleep(for: .milliseconds(200))
            #expect(await handler.events.count == before)
            shutdown.triggerGracefulShutdown()
            try await running.value
        }
    }
}
