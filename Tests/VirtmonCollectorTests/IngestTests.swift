import Foundation
import Testing
import VirtmonCollector
import VirtmonModel
import VirtmonStorage

@Suite("Collector ingest")
struct IngestTests {
    @Test("HTTP: a signed batch is stored, a replay stores nothing, and every bad body is refused by reason")
    func httpIngest() async throws {
        let collector = try await CollectorHarness()
        defer { Task { await collector.stop() } }

        let good = TestBatches.signed(TestBatches.make(seq: 1, samples: 5))
        let stored = try await collector.postBatch(good.body, signature: good.signature)
        #expect(stored.status == 200)
        #expect(stored.json == .object(["stored": 5, "events": 0]))
        let replay = try await collector.postBatch(good.body, signature: good.signature)
        #expect(replay.status == 200)
        #expect(replay.json == .object(["stored": 0, "duplicate": true]))
        #expect(try await collector.runtime.storage.samples(SampleQuery()).count == 5)

        let two = TestBatches.signed(TestBatches.make(seq: 2))
        let cases: [(String, Data, String?, Int, IngestRefusal)] = [
            ("unsigned", two.body, nil, 401, .unsigned),
            ("wrong signature", two.body, BatchSignature(secret: "other").sign(two.body), 401, .badSignature),
            ("altered body", Data(String(decoding: two.body, as: UTF8.self).replacingOccurrences(of: "\"seq\":2", with: "\"seq\":3").utf8), two.signature, 401, .badSignature),
            ("garbage", Data("\u{1}\u{2}not json at all".utf8), BatchSignature(secret: CollectorHarness.secret).sign(Data("\u{1}\u{2}not json at all".utf8)), 400, .malformed),
            ("truncated", two.body.prefix(two.body.count / 2), BatchSignature(secret: CollectorHarness.secret).sign(two.body.prefix(two.body.count / 2)), 400, .malformed),
        ]
        for (name, body, signature, status, reason) in cases {
            let answer = try await collector.postBatch(body, signature: signature)
            #expect(answer.status == status, "\(name): \(answer.text)")
            #expect(collector.runtime.ingestor.counters.snapshot.refusals(reason) >= 1, "\(name)")
        }
        let truncated = try await collector.postBatch(two.body.prefix(two.body.count / 2), signature: BatchSignature(secret: CollectorHarness.secret).sign(two.body.prefix(two.body.count / 2)))
        #expect(truncated.text.contains("not a virtmon batch"))

        let stale = TestBatches.signed(TestBatches.make(seq: 4, sentAt: Date().addingTimeInterval(-3600)))
        let staleAnswer = try await collector.postBatch(stale.body, signature: stale.signature)
        #expect(staleAnswer.status == 400)
        #expect(staleAnswer.text.contains("clock"))
        let old = TestBatches.signed(TestBatches.make(seq: 5, timestamp: Date(timeIntervalSince1970: 0)))
        let oldAnswer = try await collector.postBatch(old.body, signature: old.signature)
        #expect(oldAnswer.status == 400)
        #expect(oldAnswer.text.contains("samples[0].timestamp"))
        let huge = TestBatches.signed(TestBatches.make(seq: 6, samples: 20_001))
        #expect(try await collector.postBatch(huge.body, signature: huge.signature).status == 413)
        var badVersion = TestBatches.make(seq: 7)
        badVersion.version = 9
        let version = TestBatches.signed(badVersion)
        #expect(try await collector.postBatch(version.body, signature: version.signature).status == 400)

        // Nothing refused was stored, and the collector still serves.
        #expect(try await collector.runtime.storage.samples(SampleQuery()).count == 5)
        let snapshot = collector.runtime.ingestor.counters.snapshot
        #expect(snapshot.duplicates == 1)
        #expect(snapshot.refusals(.stale) == 1 && snapshot.refusals(.invalid) == 1 && snapshot.refusals(.oversized) == 1)
        #expect(snapshot.refusals(.unknownVersion) == 1)
        let metrics = try await collector.request(.GET, "/metrics", token: nil)
        #expect(metrics.text.contains("virtmon_collector_refused_total{reason=\"bad_signature\"} 2"))
        #expect(metrics.text.contains("virtmon_collector_samples_stored_total 5"))
        #expect(try await collector.request(.GET, "/healthz", token: nil).status == 200)
    }

    @Test("UDP: garbage, truncated, unsigned, wrongly signed and replayed datagrams are counted and dropped; good ones stored")
    func udpIngest() async throws {
        let collector = try await CollectorHarness()
        defer { Task { await collector.stop() } }
        let good = TestBatches.make(seq: 10, samples: 4)
        let goodDatagram = TestBatches.datagram(good)
        try await collector.sendDatagrams([
            Data("hello".utf8),
            Data("virtmon/1 -\n{\"version\":1".utf8),
            goodDatagram.prefix(goodDatagram.count - 10),
            TestBatches.datagram(TestBatches.make(seq: 11), secret: nil),
            TestBatches.datagram(TestBatches.make(seq: 12), secret: "wrong"),
            TestBatches.datagram(TestBatches.make(seq: 13, samples: 20_001)).prefix(65_000),
            SignedFrame(signature: BatchSignature(secret: CollectorHarness.secret).sign(Data("[1,2".utf8)), body: Data("[1,2".utf8)).encoded(),
            goodDatagram,
            goodDatagram,
        ])
        let counters = try await collector.waitForCounters { $0.batchesReceived["udp", default: 0] >= 9 && $0.inFlight == 0 && $0.duplicates == 1 }
        #expect(counters.batchesReceived["udp"] == 9)
        #expect(counters.batchesStored == 1)
        #expect(counters.duplicates == 1)
        // No header, and signed bytes that are not a batch.
        #expect(counters.refusals(.malformed) == 2)
        // "-" instead of a signature, twice.
        #expect(counters.refusals(.unsigned) == 2)
        // Cut short (twice, one of them oversized) and signed with another secret.
        #expect(counters.refusals(.badSignature) == 3)
        #expect(try await collector.runtime.storage.samples(SampleQuery()).count == 4)
        #expect(try await collector.request(.GET, "/healthz", token: nil).status == 200)
    }

    @Test("monitor events travel in batches and are listed")
    func events() async throws {
        let collector = try await CollectorHarness()
        defer { Task { await collector.stop() } }
        var batch = TestBatches.make(seq: 20, samples: 1)
        batch.events = [Event(time: Date(), type: "liveness", level: .fatal, host: "test-host", resource: "4242", message: "qemu exited")]
        let signed = TestBatches.signed(batch)
        #expect(try await collector.postBatch(signed.body, signature: signed.signature).json == .object(["stored": 1, "events": 1]))
        let listed = try await collector.request(.GET, "/api/v1/events?level=fatal")
        guard case .array(let events)? = listed.json, case .object(let event)? = events.first else {
            Issue.record("no events: \(listed.text)")
            return
        }
        #expect(event["message"] == "qemu exited")
        #expect(try await collector.request(.GET, "/api/v1/events?level=loud").status == 400)
        #expect(try await collector.request(.GET, "/api/v1/events", token: "p1-token").status == 403)
        let hosts = try await collector.request(.GET, "/api/v1/hosts")
        #expect(hosts.text.contains("\"host\":\"test-host\""))
    }
}
