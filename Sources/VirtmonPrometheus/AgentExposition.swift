import VirtmonModel

/// The agent's `/metrics` body from its latest readings: every sample through the name table, plus the two
/// host-wide libvirt series the libvirt exporter's users alert on.
public enum AgentExposition {
    /// `libvirtUp`: whether the agent's last read of libvirt succeeded, nil when it does not read libvirt.
    /// It is the connection, not any one domain: a domain that cannot be read is flagged by its own
    /// libvirt_domain_timed_out and leaves libvirt_up at 1.
    public static func render(_ samples: [Sample], timestamps: Bool, libvirtUp: Bool?) -> String {
        var series = Exposition.series(from: samples, timestamps: timestamps)
        if let libvirtUp {
            series.append(ExpositionSeries(
                family: "libvirt_up", kind: .gauge, help: "Whether the agent's last read of libvirt succeeded (1) or libvirt could not be reached (0).",
                labels: [], value: libvirtUp ? 1 : 0, timestampMs: nil))
            let domains = Set(samples.lazy.filter { $0.name == "power.state" }.map(\.resourceID)).count
            series.append(ExpositionSeries(
                family: "libvirt_domains_number", kind: .gauge, help: "Number of domains libvirt listed in the agent's last cycle.",
                labels: [], value: Double(domains), timestampMs: nil))
        }
        return Exposition.render(series)
    }
}
