import Foundation
import Testing
import VirtmonModel
@testable import VirtmonPrometheus

/// Remote-write's two directions, and snappy underneath them (the system's libsnappy, as in production).
@Suite("Remote-write mapping")
struct RemoteWriteMappingTests {
    static let time = Date(timeIntervalSince1970: 1_790_000_000.25)

    static func sample(_ meter: String, _ volume: Double, resource: String = "6695eb01", at time: Date = time,
                       _ metadata: [String: JSONValue] = ["instance_name": "web-1"]) -> Sample {
        Sample(name: meter, type: .cumulative, unit: "ns", volume: volume, resourceID: resource, timestamp: time, resourceMetadata: metadata)
    }

    @Test("snappy round-trips, and refuses damaged data and a body claiming more than the limit")
    func snappy() throws {
        let text = Data(String(repeating: "libvirt_domain_info_cpu_time_seconds_total ", count: 200).utf8)
        let compressed = try Snappy.compress(text)
        #expect(compressed.count < text.count / 10)
        #expect(try Snappy.decompress(compressed, maxBytes: 1 << 20) == text)
        #expect(throws: SnappyError.self) { try Snappy.decompress(Data("not snappy at all".utf8), maxBytes: 1 << 20) }
        #expect(throws: SnappyError.tooLarge("the body says it expands to \(text.count) bytes, more than the 100 allowed")) {
            try Snappy.decompress(compressed, maxBytes: 100)
        }
        var cut = compressed
        cut.removeLast(cut.count / 2)
        #expect(throws: SnappyError.self) { try Snappy.decompress(cut, maxBytes: 1 << 20) }
    }

    @Test("samples leave with the table's names, base units, sorted labels and points in time order")
    func outgoing() throws {
        let samples = [
            Self.sample("cpu", 3e9, at: Self.time.addingTimeInterval(10)),
            Self.sample("cpu", 1e9),
            Self.sample("hardware.memory.available", 1000, resource: "host-a", [:]),
        ]
        let series = RemoteWriteMapping.series(from: samples, host: "host-a")
        #expect(series.count == 2)
        let cpu = try #require(series.first { $0.name == "libvirt_domain_info_cpu_time_seconds_total" })
        #expect(cpu.labels.map(\.name) == ["__name__", "domain", "instance", "job"])
        #expect(cpu.labels.map(\.value) == ["libvirt_domain_info_cpu_time_seconds_total", "web-1", "host-a", "virtmon"])
        #expect(cpu.points.map(\.value) == [1, 3])
        #expect(cpu.points.map(\.timestampMs) == [1_790_000_000_250, 1_790_000_010_250])
        let memory = try #require(series.first { $0.name == "node_memory_MemAvailable_bytes" })
        #expect(memory.points.map(\.value) == [1_024_000])
    }

    @Test("a received request becomes one resource per series, typed and united by its name, labels as metadata")
    func incoming() throws {
        let outgoing = [
            RemoteWriteMapping.OutgoingSeries(labels: [.init("__name__", "node_network_receive_bytes_total"), .init("device", "eth0"),
                                                       .init("instance", "h:9100"), .init("job", "node")],
                                              points: [.init(value: 5, timestampMs: 1_790_000_000_000), .init(value: 7, timestampMs: 1_790_000_001_000)]),
            RemoteWriteMapping.OutgoingSeries(labels: [.init("__name__", "node_load1"), .init("instance", "h:9100"), .init("job", "node"),
                                                       .init("project_id", "p9")],
                                              points: [.init(value: 0.5, timestampMs: 1_790_000_000_000),
                                                       .init(value: Double(bitPattern: RemoteWriteMapping.staleNaNBits), timestampMs: 1_790_000_002_000)]),
        ]
        let received = try RemoteWriteMapping.decode(body: try RemoteWriteMapping.body(outgoing), maxBytes: 1 << 20, project: nil)
        #expect(received.skippedNaN == 1)
        #expect(received.samples.count == 3)
        let network = received.samples.filter { $0.name == "node_network_receive_bytes_total" }
        #expect(network.map(\.volume) == [5, 7])
        #expect(network.first?.resourceID == "h:9100/device=eth0")
        #expect(network.first?.type == .cumulative)
        #expect(network.first?.unit == "B")
        #expect(network.first?.resourceMetadata == ["device": "eth0", "instance": "h:9100", "job": "node", "resource_type": "prometheus"])
        let load = try #require(received.samples.first { $0.name == "node_load1" })
        #expect(load.type == .gauge && load.resourceID == "h:9100" && load.projectID == "p9")
        #expect(load.timestamp == Date(timeIntervalSince1970: 1_790_000_000))
        // A project token's own project wins over any label.
        let scoped = try RemoteWriteMapping.decode(body: try RemoteWriteMapping.body(outgoing), maxBytes: 1 << 20, project: "p1")
        #expect(scoped.samples.allSatisfy { $0.projectID == "p1" })
    }

    @Test("a body that is not snappy, not a WriteRequest, or names no metric is refused saying which")
    func refusals() throws {
        #expect(throws: RemoteWriteMapping.DecodeError.self) { try RemoteWriteMapping.decode(body: Data("{}".utf8), maxBytes: 1 << 20, project: nil) }
        do {
            _ = try RemoteWriteMapping.decode(body: try Snappy.compress(Data([0xff, 0xff, 0xff])), maxBytes: 1 << 20, project: nil)
            Issue.record("garbage protobuf was accepted")
        } catch {
            #expect("\(error)".contains("not a remote-write WriteRequest protobuf"))
        }
        let nameless = [RemoteWriteMapping.OutgoingSeries(labels: [.init("instance", "h")], points: [.init(value: 1, timestampMs: 1)])]
        do {
            _ = try RemoteWriteMapping.decode(body: try RemoteWriteMapping.body(nameless), maxBytes: 1 << 20, project: nil)
            Issue.record("a series without __name__ was accepted")
        } catch {
            #expect("\(error)" == "timeseries[0] has no __name__ label")
        }
    }

    @Test("a long label set still makes a resource id within 255 bytes, and the same one every time")
    func longResourceIDs() {
        let labels = ["instance": "h", "path": String(repeating: "x", count: 400)]
        let id = RemoteWriteMapping.resourceID(labels)
        #expect(id.utf8.count <= 255)
        #expect(id == RemoteWriteMapping.resourceID(labels))
        #expect(id != RemoteWriteMapping.resourceID(["instance": "h", "path": String(repeating: "x", count: 399)]))
    }
}
