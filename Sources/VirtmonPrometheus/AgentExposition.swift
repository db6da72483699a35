import VirtmonModel

/// The agent's `/metrics` body from its latest readings: every sample through the name table, plus the two
/// host-wide libvirt series the libvirt exporter's users alert on.
public enum AgentExposition {
    /// The pollster whose success is `libvirt_up`.
    static let libvirtPollster = "libvirt"

    public static func render(_ samples: [Sample], timestamps: Bool) -> String {
        var series = Exposition.series(from: samples, timestamps: timestamps)
        // libvirt_up is the connection, not any one domain: a domain that cannot be read is flagged by its own
        // libvirt_domain_timed_out and leaves libvirt_up at 1.
        if let run = samples.last(where: { $0.name == "virtmon.agent.poll.success" && $0.resourceMetadata["pollster"] == .string(libvirtPollster) }) {
            series.append(ExpositionSeries(
                family: "libvirt_up", kind: .gauge, help: "Whether the agent's last read of libvirt succeeded (1) or libvirt could not be reached (0).",
                labels: [], value: run.volume, timestampMs: timestamps ? milliseconds(run) : nil))
            let domains = Set(samples.lazy.filter { $0.name == "power.state" }.map(\.resourceID)).count
            series.append(ExpositionSeries(
                family: "libvirt_domains_number", kind: .gauge, help: "Number of domains libvirt listed in the agent's last cycle.",
                labels: [], value: Double(domains), timestampMs: timestamps ? milliseconds(run) : nil))
        }
        return Exposition.render(series)
    }

    private static func milliseconds(_ sample: Sample) -> Int64 {
        Int64((sample.timestamp.timeIntervalSince1970 * 1000).rounded())
    }
}
