import Foundation
import SwiftProtobuf
import VirtmonCeilometer
import VirtmonModel
import VirtmonPrometheus
import VirtmonStorage

/// Valid inputs for each target, made with virtmon's own encoders (or, for Ceilometer's formats, the bytes
/// Ceilometer sends), so that fuzzing starts from inputs that reach deep into each decoder.
/// `virtmon-fuzz write-seeds DIR` writes them as Fuzz/corpus; FuzzCorpusTests checks every one is accepted.
public enum FuzzSeeds {
    public static func seeds(for target: String) -> [[UInt8]] {
        switch target {
        case "batch": return batches.map { Array(WireJSON.encode($0)) }
        case "frame":
            return batches.map { batch in
                let body = WireJSON.encode(batch)
                return Array(SignedFrame(signature: BatchSignature(secret: "seed-secret").sign(body), body: body).encoded())
            } + [Array(SignedFrame(signature: nil, body: WireJSON.encode(batches[0])).encoded())]
        case "chunk":
            return [
                ChunkCodec.encode(timestamps: [1_000_000, 11_000_000, 21_000_000, 31_000_000], values: [1, 2, 3, 4]),
                ChunkCodec.encode(timestamps: [5, 17, 18, 4_000_000_000], values: [0.1, -2.5, 1e300, .nan]),
                ChunkCodec.encode(timestamps: Array(stride(from: 0, to: 1_200_000_000, by: 10_000_000)),
                                  values: (0..<120).map { Double($0 % 7) * 1.25 }),
                ChunkCodec.encode(timestamps: [0], values: [-0.0]),
            ]
        case "rollup":
            return [RollupCodec.encode([
                RollupBucket(start: 0, count: 6, sum: 21, min: 1, max: 6, m2: 17.5, firstTime: 0, lastTime: 50_000_000),
                RollupBucket(start: 60_000_000, count: 1, sum: -3, min: -3, max: -3, m2: 0, firstTime: 60_000_000, lastTime: 60_000_000),
            ])]
        case "wal":
            let entries: [WALRecord.Entry] = [
                .init(series: 1, time: 1_790_000_000_000_000, value: 12.5, receivedAt: 1_790_000_000_100_000),
                .init(series: 4_000_000, time: 1_790_000_010_000_000, value: -1, receivedAt: 1_790_000_010_100_000),
            ]
            return [WALRecord(entries: entries).encoded(), WALRecord(entries: entries, replacesHeads: true).encoded()]
        case "ceilometer-message":
            let inner = #"{"message_id":"n1","publisher_id":"telemetry.publisher.h1","event_type":"metering","priority":"SAMPLE","payload":[\#(ceilometerSample)],"timestamp":"2026-12-01 22:54:03.788411"}"#
            let quoted = String(decoding: WireJSON.encode(.string(inner)), as: UTF8.self)
            return [
                Array(#"{"oslo.version": "2.0", "oslo.message": \#(quoted)}"#.utf8),
                Array(#"{"message_id":"n2","event_type":"telemetry.polling","payload":{"samples":[\#(ceilometerSample),\#(ceilometerSample)]}}"#.utf8),
            ]
        case "msgpack":
            // {"counter_name": "cpu", "counter_type": "cumulative", "counter_unit": "ns", "counter_volume": 1.5,
            //  "resource_id": "r1", "timestamp": "2026-12-01T22:54:03.788411", "resource_metadata": {"n": -3}, "list": ["a"], "none": None}
            var packed: [UInt8] = [0x89]
            for (key, value) in [("counter_name", "cpu"), ("counter_type", "cumulative"), ("counter_unit", "ns"), ("resource_id", "r1"),
                                 ("timestamp", "2026-12-01T22:54:03.788411")] {
                packed += str(key) + str(value)
            }
            packed += str("counter_volume") + [0xCB, 0x3F, 0xF8, 0, 0, 0, 0, 0, 0]
            packed += str("resource_metadata") + [0x81] + str("n") + [0xFD]
            packed += str("list") + [0x91] + str("a")
            packed += str("none") + [0xC0]
            return [packed]
        case "remote-write":
            let series = RemoteWriteMapping.OutgoingSeries(
                labels: [.init("__name__", "node_load1"), .init("instance", "h1:9100"), .init("job", "node")],
                points: [.init(value: 0.5, timestampMs: 1_790_000_000_000), .init(value: 0.75, timestampMs: 1_790_000_015_000)])
            guard let body = try? RemoteWriteMapping.request([series]).serializedData(), let compressed = try? Snappy.compress(body) else { return [] }
            return [Array(compressed)]
        case "timestamp":
            return ["2026-12-03T12:00:00Z", "2026-12-03T12:00:00.123456+01:00", "2026-12-03T12:00:00.5", "2026-12-01 22:54:03.788411"].map { Array($0.utf8) }
        case "selector":
            return [#"{job="virtmon"}"#, #"libvirt_domain_info_cpu_time_seconds_total{resource_id=~"vm-.+",job!="x"}"#, "node_load1"].map { Array($0.utf8) }
        case "scale":
            return ["volume * 100 / (resource_metadata.vcpus or 1)", "volume ** 2 % 7 - -1", "(volume + 1) / 1e9"].map { Array($0.utf8) }
        case "meter-selector":
            return ["hardware.*\n!hardware.secret", "*", "cpu_util\nmemory.*"].map { Array($0.utf8) }
        case "ceilometer-query":
            return [
                "q.field=resource_id&q.op=eq&q.type=&q.value=vm-1&q.field=timestamp&q.op=ge&q.value=2026-12-03T10%3A00%3A00&limit=50",
                "q.field=project_id&q.value=p1&period=300&groupby=resource_id&aggregate.func=cardinality&aggregate.param=resource_id&aggregate.func=avg",
                "q.field=metadata.flavor.vcpus&q.op=gt&q.type=integer&q.value=2&q.field=counter_volume&q.op=le&q.type=float&q.value=1e3",
            ].map { Array($0.utf8) }
        case "complex-query":
            return [
                #"{"filter": "{\"and\": [{\"=\": {\"state\": \"alarm\"}}, {\"not\": {\"in\": {\"severity\": [\"low\"]}}}]}", "orderby": "[{\"timestamp\": \"desc\"}]", "limit": "10"}"#,
                #"{"filter": {"or": [{">=": {"threshold": 50}}, {"!=": {"enabled": "true"}}]}, "orderby": [{"name": "asc"}], "limit": 1}"#,
                #"{"filter": {"and": [{"=": {"resource_id": "vm-1"}}, {">": {"timestamp": "2026-12-03T10:00:00"}}, {"<=": {"counter_volume": 5}}]}}"#,
            ].map { Array($0.utf8) }
        case "posted-samples":
            return [
                #"[{"counter_name": "cpu_util", "counter_type": "gauge", "counter_unit": "%", "counter_volume": "12.5", "resource_id": "vm-1", "project_id": "p1", "timestamp": "2026-12-03T12:00:00", "resource_metadata": {"flavor": {"vcpus": 2}}}]"#,
                #"{"counter_type": "gauge", "counter_unit": "%", "counter_volume": 3, "resource_id": "vm-2", "user_id": "u1", "source": "openstack", "message_id": "m-9"}"#,
            ].map { Array($0.utf8) }
        case "config":
            return [
                """
                agent:
                  host: node1
                  interval: 10s
                sources:
                  - name: host
                    meters: ["hardware.*", "!hardware.system_stats.uptime"]
                    interval: 30s
                    sinks: [default]
                sinks:
                  - name: default
                    transformers:
                      - type: rate_of_change
                        meters: ["hardware.network.*.bytes"]
                        target: {name: "{name}.rate", unit: "B/s"}
                    publishers: ["http://127.0.0.1:8777/api/v1/batches"]
                publishing:
                  secret: change-me
                  batch_size: 500
                  spool_max_bytes: 256MiB
                """,
                """
                collector:
                  listen: 127.0.0.1:8777
                  udp: "off"
                  secret: s
                  admin_token: a
                  project_tokens: {p1: t1}
                  retention: 30d
                  maintenance_interval: 1m
                """,
            ].map { Array($0.utf8) }
        default:
            return []
        }
    }

    static let ceilometerSample = #"{"source":"openstack","counter_name":"cpu","counter_type":"cumulative","counter_unit":"ns","counter_volume":1200000000,"user_id":"u1","project_id":"p1","resource_id":"r1","timestamp":"2026-12-01T22:54:03.788411","resource_metadata":{"host":"h1"},"message_id":"m1","monotonic_time":null,"message_signature":"x"}"#

    static let batches: [Batch] = {
        let time = Date(timeIntervalSince1970: 1_790_000_000.25)
        let samples = [
            Sample(name: "cpu_util", type: .gauge, unit: "%", volume: 12.5, projectID: "p1", resourceID: "vm-1", timestamp: time,
                   resourceMetadata: ["display_name": .string("web"), "vcpus": .number(2), "tags": .array([.string("a"), .bool(true), .null])], messageID: "m-1"),
            Sample(name: "network.incoming.bytes", type: .cumulative, unit: "B", volume: 1e12, resourceID: "vm-1-tap0",
                   timestamp: time.addingTimeInterval(10), messageID: "m-2", monotonicTime: 1234.5),
        ]
        let event = Event(id: "e1", time: time, type: "liveness", level: .error, host: "h1", resource: "vm-1", message: "qemu gone \u{e9}\"\\",
                          details: ["pid": .number(4242)])
        return [
            Batch(agent: "agent-1", host: "h1", sequence: 7, sentAt: time, samples: samples, events: [event]),
            Batch(agent: "agent-2", host: "h2", sequence: 1, sentAt: time, samples: [], events: []),
        ]
    }()

    /// A msgpack fixstr (or str8) of `text`.
    static func str(_ text: String) -> [UInt8] {
        let bytes = Array(text.utf8)
        return (bytes.count < 32 ? [0xA0 | UInt8(bytes.count)] : [0xD9, UInt8(bytes.count)]) + bytes
    }
}
