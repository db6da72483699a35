import Foundation
import Testing
import VirtmonModel
@testable import VirtmonPrometheus

@Suite("Text exposition and the name table")
struct ExpositionTests {
    static let time = Date(timeIntervalSince1970: 1_790_000_000)

    @Test("families are written once each with HELP and TYPE, label values escaped, the newer of two samples kept")
    func rendering() {
        let samples = [
            Sample(name: "vcpus", type: .gauge, unit: "vcpu", volume: 2, resourceID: "u1", timestamp: Self.time,
                   resourceMetadata: ["instance_name": "a\"b\\c\nd"]),
            Sample(name: "vcpus", type: .gauge, unit: "vcpu", volume: 4, resourceID: "u2", timestamp: Self.time, resourceMetadata: ["instance_name": "z"]),
            Sample(name: "vcpus", type: .gauge, unit: "vcpu", volume: 8, resourceID: "u2", timestamp: Self.time.addingTimeInterval(5), resourceMetadata: ["instance_name": "z"]),
        ]
        let text = Exposition.render(Exposition.series(from: samples, timestamps: false))
        #expect(text == """
            # HELP libvirt_domain_info_virtual_cpus Number of virtual CPUs for the domain.
            # TYPE libvirt_domain_info_virtual_cpus gauge
            libvirt_domain_info_virtual_cpus{domain="a\\"b\\\\c\\nd"} 2
            libvirt_domain_info_virtual_cpus{domain="z"} 8

            """)
        let stamped = Exposition.render(Exposition.series(from: [samples[0]], timestamps: true))
        #expect(stamped.hasSuffix("} 2 1790000000000\n"))
    }

    @Test("values as Prometheus writes them")
    func values() {
        #expect(Exposition.format(3) == "3")
        #expect(Exposition.format(0.25) == "0.25")
        #expect(Exposition.format(.nan) == "NaN")
        #expect(Exposition.format(.infinity) == "+Inf")
        #expect(Exposition.format(-.infinity) == "-Inf")
        #expect(Exposition.format(1e300) == "1e+300")
    }

    @Test("a meter the table does not know gets a lint-clean name of its own")
    func fallbackNames() {
        let counter = Sample(name: "9odd.meter-name", type: .cumulative, unit: "B", volume: 1, resourceID: "r", timestamp: Self.time)
        #expect(PrometheusNames.families(for: counter).map(\.family) == ["virtmon__9odd_meter_name_total"])
        let gauge = Sample(name: "power.state", type: .gauge, unit: "state", volume: 1, resourceID: "r", timestamp: Self.time)
        #expect(PrometheusNames.families(for: gauge).map(\.family) == ["libvirt_domain_info_state", "libvirt_domain_openstack_info"])
    }

    @Test("uptime becomes node_exporter's boot time, a success flag libvirt_domain_timed_out")
    func transforms() throws {
        let uptime = Sample(name: "hardware.system_stats.uptime", type: .gauge, unit: "s", volume: 1000.4, resourceID: "h", timestamp: Self.time)
        let boot = try #require(PrometheusNames.families(for: uptime).first)
        #expect(boot.family == "node_boot_time_seconds" && boot.value(of: uptime) == 1_789_999_000)
        let read = Sample(name: "virtmon.domain.read", type: .gauge, unit: "bool", volume: 0, resourceID: "u", timestamp: Self.time)
        #expect(PrometheusNames.families(for: read).first?.value(of: read) == 1)
    }

    @Test("summaries and histograms that came through remote-write are whole families again")
    func regrouping() {
        func series(_ family: String, _ labels: [ExpositionSeries.Label]) -> ExpositionSeries {
            ExpositionSeries(family: family, kind: .gauge, help: "h", labels: labels, value: 1, timestampMs: nil)
        }
        let regrouped = Exposition.regroupingSummariesAndHistograms([
            series("rpc", [.init("quantile", "0.5")]), series("rpc_sum", []), series("rpc_count", []),
            series("latency_bucket", [.init("le", "+Inf")]), series("latency_sum", []), series("latency_count", []),
            series("other_sum", []),
        ])
        let text = Exposition.render(regrouped)
        #expect(text.contains("# TYPE rpc summary\nrpc{quantile=\"0.5\"} 1\nrpc_count 1\nrpc_sum 1\n"))
        #expect(text.contains("# TYPE latency histogram\nlatency_bucket{le=\"+Inf\"} 1\nlatency_count 1\nlatency_sum 1\n"))
        #expect(text.contains("# TYPE other_sum gauge\nother_sum 1\n"))
    }

    @Test("docs/prometheus.md lists exactly the name table")
    func documented() throws {
        let docs = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("docs/prometheus.md")
        let text = try String(contentsOf: docs, encoding: .utf8)
        var listed: Set<String> = []
        for line in text.split(separator: "\n") where line.hasPrefix("| `") {
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count >= 2 else { continue }
            listed.insert("\(cells[0]) → \(cells[1])")
        }
        let table = Set(PrometheusNames.table.map { "`\($0.meter)` → `\($0.family)`" })
        #expect(listed == table, "missing from the docs: \(table.subtracting(listed).sorted()); not in the table: \(listed.subtracting(table).sorted())")
    }
}
