import Foundation
import Logging
import ServiceLifecycle
import Testing
import VirtmonAMQP
import VirtmonCollector
import VirtmonModel
import VirtmonPublishers
import VirtmonStorage
import VirtmonTestSupport

/// The collector's RabbitMQ consumer against a real broker, with a store whose commits fail on demand.
@Suite("RabbitMQ consumer", .serialized)
struct AMQPConsumerTests {
    struct Consumer {
        let storage = FailingWrites()
        let ingestor: Ingestor
        let group: ServiceGroup
        let task: Task<Void, any Error>

        init(url: String) throws {
            var logger = Logger(label: "test.amqp")
            logger.logLevel = .critical
            ingestor = Ingestor(storage: storage, secret: CollectorHarness.secret, logger: logger)
            let ceilometer = CeilometerIngest(ingestor: ingestor, secret: "ceilometer-secret")
            let service = AMQPIngestService(settings: try AMQPIngestSettings(urls: [url]), ingestor: ingestor, ceilometer: ceilometer, logger: logger)
            let group = ServiceGroup(configuration: .init(services: [.init(service: service)], logger: logger))
            self.group = group
            task = Task { try await group.run() }
        }

        func stop() async {
            await group.triggerGracefulShutdown()
            _ = try? await task.value
        }

        func stored() async throws -> [Sample] {
            try await storage.inner.samples(SampleQuery(limit: 100_000)).map(\.sample)
        }
    }

    static func wait(_ what: String, seconds: Double = 60, _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while ContinuousClock.now < deadline {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("timed out after \(seconds) s waiting for \(what)")
        throw CancellationError()
    }

    static func publish(_ transport: AMQPTransport, seq: UInt64, meter: String = "test.meter") async throws {
        let (body, signature) = TestBatches.signed(TestBatches.make(seq: seq, meter: meter))
        try await transport.send(body: body, signature: signature, timeout: .seconds(10))
    }

    @Test("a failing store puts messages back on the queue; when it recovers every sample is stored once")
    func storageFailureRequeues() async throws {
        if let reason = ThrowawayBroker.unavailableReason { Issue.record("SKIPPED LOUDLY: \(reason)"); return }
        let broker = try await ThrowawayBroker(name: "requeue")
        defer { broker.discard() }
        let consumer = try Consumer(url: broker.url + "?prefetch=10")
        let transport = try AMQPTransport(address: try AMQPAddress(broker.url))
        for seq in 1...10 { try await Self.publish(transport, seq: UInt64(seq)) }
        try await Self.wait("the first 10 batches") { try await consumer.stored().count == 30 }
        consumer.storage.failing.withLock { $0 = true }
        for seq in 11...20 { try await Self.publish(transport, seq: UInt64(seq)) }
        try await Self.wait("requeues while the store fails") {
            consumer.ingestor.counters.snapshot.refused[.storageFailure, default: 0] >= 3
        }
        #expect(try await consumer.stored().count == 30)
        consumer.storage.failing.withLock { $0 = false }
        for seq in 21...30 { try await Self.publish(transport, seq: UInt64(seq)) }
        try await Self.wait("all 30 batches after the store recovers") { try await consumer.stored().count == 90 }
        try await Self.wait("the queue to drain") { try await broker.depth("virtmon.batches").map { $0.ready + $0.unacknowledged } == 0 }
        let stored = try await consumer.stored()
        #expect(stored.count == 90)
        #expect(Set(stored.map(\.resourceID)).count == 30)
        #expect(Set(stored.map(\.messageID)).count == 90, "a sample was stored twice")
        let failures = consumer.ingestor.counters.snapshot.refused[.storageFailure, default: 0]
        print("amqp requeue: 30 batches, \(failures) storage failures requeued, 90 samples stored once")
        await transport.shutdown()
        await consumer.stop()
        await broker.stop()
    }

    @Test("a message nobody can read goes to the dead-letter queue at once; one that keeps failing to store goes after max_deliveries")
    func poisonIsDeadLettered() async throws {
        if let reason = ThrowawayBroker.unavailableReason { Issue.record("SKIPPED LOUDLY: \(reason)"); return }
        let broker = try await ThrowawayBroker(name: "poison")
        defer { broker.discard() }
        let consumer = try Consumer(url: broker.url + "?prefetch=20&max_deliveries=3")
        let transport = try AMQPTransport(address: try AMQPAddress(broker.url))
        try await Self.publish(transport, seq: 1)
        try await Self.wait("the first batch") { try await consumer.stored().count == 3 }
        // Garbage on the agents' queue, and a virtmon frame signed with another secret.
        let raw = try AMQPConnection(node: .init(host: "127.0.0.1", port: broker.port), address: try AMQPAddress(broker.url))
        try raw.confirmSelect()
        try raw.publish(exchange: "virtmon", routingKey: "virtmon.batches", body: Array("not a batch".utf8), contentType: "text/plain", confirmWithin: 10_000)
        let forged = TestBatches.signed(TestBatches.make(seq: 2), secret: "wrong")
        try raw.publish(exchange: "virtmon", routingKey: "virtmon.batches",
                        body: Array(SignedFrame(signature: forged.signature, body: forged.body).encoded()),
                        contentType: SignedFrame.contentType, confirmWithin: 10_000)
        try await Self.wait("two dead letters") { try await broker.depth("virtmon.dead-letter")?.ready == 2 }
        // A batch the store always refuses, among batches it takes.
        consumer.storage.failingMeter.withLock { $0 = "poison.meter" }
        try await Self.publish(transport, seq: 3, meter: "poison.meter")
        var seq: UInt64 = 10
        try await Self.wait("the failing batch dead-lettered", seconds: 90) {
            seq += 1
            try await Self.publish(transport, seq: seq)
            try await Task.sleep(for: .milliseconds(200))
            return try await broker.depth("virtmon.dead-letter")?.ready == 3
        }
        try await Self.wait("every good batch") { try await consumer.stored().count == 3 * (1 + Int(seq - 10)) }
        #expect(try await consumer.stored().allSatisfy { $0.name == "test.meter" })
        #expect(consumer.ingestor.counters.snapshot.refused[.badSignature, default: 0] == 1)
        #expect(consumer.ingestor.counters.snapshot.refused[.malformed, default: 0] == 1)
        raw.close()
        await transport.shutdown()
        await consumer.stop()
        await broker.stop()
    }

    @Test("a publish that no queue takes stays with the publisher (mandatory, returned), and a bad address says what is wrong")
    func unroutableAndBadAddresses() async throws {
        if let reason = ThrowawayBroker.unavailableReason { Issue.record("SKIPPED LOUDLY: \(reason)"); return }
        let broker = try await ThrowawayBroker(name: "unroutable")
        defer { broker.discard() }
        let transport = try AMQPTransport(address: try AMQPAddress(broker.url + "?declare=false&exchange=amq.topic"))
        await #expect(throws: DeliveryError.self) { try await Self.publish(transport, seq: 1) }
        do {
            try await Self.publish(transport, seq: 1)
        } catch {
            #expect("\(error)".contains("no queue is bound"), "\(error)")
        }
        let wrong = try AMQPTransport(address: try AMQPAddress("amqp://guest:nope@127.0.0.1:\(broker.port)/"))
        do {
            try await Self.publish(wrong, seq: 1)
            Issue.record("a wrong password was accepted")
        } catch {
            #expect("\(error)".contains("ACCESS_REFUSED") || "\(error)".contains("403"), "\(error)")
        }
        let closed = try AMQPTransport(address: try AMQPAddress("amqp://127.0.0.1:1/"))
        await #expect(throws: DeliveryError.self) { try await Self.publish(closed, seq: 1) }
        #expect(throws: AMQPError.self) { try AMQPAddress("amqp://u:p@host:99999/") }
        #expect(throws: AMQPError.self) { try AMQPIngestSettings(urls: ["amqp://h/?prefetch=0"]) }
        #expect(throws: AMQPError.self) { try AMQPIngestSettings(urls: ["amqp://h/?nonsense=1"]) }
        do {
            _ = try AMQPAddress("amqp://user:secretpw@host:x/")
        } catch {
            #expect(!"\(error)".contains("secretpw"), "the password leaked into \(error)")
        }
        await transport.shutdown()
        await broker.stop()
    }
}
