import Foundation
import Testing
import VirtmonModel
import VirtmonPrometheus
@testable import VirtmonPublishers

/// What one spooled batch becomes on the wire, and the stale markers that end a series.
@Suite("Remote-write transport")
struct RemoteWriteTransportTests {
    static func batch(_ sequence: UInt64, domains: [String], at seconds: Double) -> Batch {
        let time = Date(timeIntervalSince1970: 1_790_000_000 + seconds)
        let samples = domains.map { name in
            Sample(name: "vcpus", type: .gauge, unit: "vcpu", volume: 2, resourceID: name, timestamp: time,
                   resourceMetadata: ["instance_name": .string(name)])
        }
        return Batch(agent: "a", host: "h", sequence: sequence, sentAt: time, samples: samples, events: [])
    }

    static func request(_ body: Data) throws -> Prometheus_WriteRequest {
        try Prometheus_WriteRequest(serializedBytes: try Snappy.decompress(body, maxBytes: 1 << 20))
    }

    @Test("a series missing for three of its intervals gets one stale marker just after its last point; a retry resends the same request")
    func staleMarkers() throws {
        let transport = try RemoteWriteTransport(url: "http://127.0.0.1:1/api/v1/write", target: "t", tlsCA: nil)
        let signature = BatchSignature(secret: "")
        for cycle in 0..<3 {
            _ = try transport.body(for: Self.batch(UInt64(cycle), domains: ["web", "db"], at: Double(cycle * 10)), signature: signature)
        }
        // db is gone from here on.
        var markers: [(String, Int64)] = []
        for cycle in 3..<8 {
            let (body, signed) = try transport.body(for: Self.batch(UInt64(cycle), domains: ["web"], at: Double(cycle * 10)), signature: signature)
            #expect(signed == nil, "remote-write carries no virtmon signature")
            for series in try Self.request(body).timeseries {
                for point in series.samples where point.value.bitPattern == RemoteWriteMapping.staleNaNBits {
                    markers.append((series.labels.first { $0.name == "domain" }?.value ?? "", point.timestamp))
                }
            }
            if cycle == 6 {
                // The same batch asked again (a failed attempt's retry) is the same request, marker included.
                let again = try transport.body(for: Self.batch(6, domains: ["web"], at: 60), signature: signature)
                #expect(again.body == body)
            }
        }
        #expect(markers.count == 1)
        #expect(markers.first?.0 == "db")
        // Its last point was at +20 s, every 10 s: the marker is at +30 s, sent once +60 s had passed it by three intervals.
        #expect(markers.first?.1 == 1_790_000_030_000)
    }

    @Test("the URL's scheme and credentials: prometheus+http(s) only, the password never shown")
    func urls() throws {
        #expect(throws: PublisherError.self) { try PublisherFactory.validate("prometheus+http://127.0.0.1:9090") }
        #expect(throws: PublisherError.self) { try PublisherFactory.validate("prometheus+ftp://127.0.0.1:9090/api/v1/write") }
        let kind = try PublisherFactory.parse("prometheus+https://u:secret@vm.example:8428/api/v1/write")
        guard case .remoteWrite(let url, let target, let user, let password) = kind else {
            Issue.record("\(kind)")
            return
        }
        #expect(url == "https://vm.example:8428/api/v1/write")
        #expect(target == "prometheus+https://u:***@vm.example:8428/api/v1/write")
        #expect(user == "u" && password == "secret")
    }
}
