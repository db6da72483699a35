import VirtmonModel

/// The one table from virtmon meters to the names Prometheus users already have dashboards and alerts for:
/// node_exporter's for the host, the maintained libvirt exporter's for VMs (measurements labelled by `domain`
/// and device only; OpenStack facts in one info series to join on), virtmon's own for the rest. docs/prometheus.md
/// lists it, and a test keeps the two equal.
public enum PrometheusNames {
    private static let domain = ExposedMeter.Label.metadata("domain", key: "instance_name")
    private static let disk = ExposedMeter.Label.metadata("target_device", key: "disk_name")
    private static let vnic = ExposedMeter.Label.metadata("target_device", key: "vnic_name")
    private static let hostDevice = ExposedMeter.Label.metadata("device", key: "name")
    private static let filesystem: [ExposedMeter.Label] = [
        .metadata("device", key: "device"), .metadata("mountpoint", key: "mount_point"), .metadata("fstype", key: "fs_type"),
    ]
    private static let process: [ExposedMeter.Label] = [
        .metadata("domain", key: "domain"), .metadata("instance_id", key: "instance_id"), .metadata("pid", key: "pid"),
    ]
    private static let pollster: [ExposedMeter.Label] = [.metadata("source", key: "source"), .metadata("pollster", key: "pollster")]

    private static func entry(_ meter: String, _ family: String, _ kind: ExposedMeter.Kind, _ help: String,
                              _ value: ExposedMeter.Value = .scaled(1), _ labels: [ExposedMeter.Label]) -> ExposedMeter {
        ExposedMeter(meter: meter, family: family, kind: kind, help: help, value: value, labels: labels)
    }

    private static let kib = 1024.0
    private static let mib = 1_048_576.0

    /// Every mapped meter, host first, then VMs, then virtmon's own.
    public static let table: [ExposedMeter] = host + domains + own

    static let host: [ExposedMeter] = [
        entry("hardware.memory.total", "node_memory_MemTotal_bytes", .gauge, "Memory information field MemTotal_bytes.", .scaled(kib), []),
        entry("hardware.memory.available", "node_memory_MemAvailable_bytes", .gauge, "Memory information field MemAvailable_bytes.", .scaled(kib), []),
        entry("hardware.memory.free", "node_memory_MemFree_bytes", .gauge, "Memory information field MemFree_bytes.", .scaled(kib), []),
        entry("hardware.memory.buffer", "node_memory_Buffers_bytes", .gauge, "Memory information field Buffers_bytes.", .scaled(kib), []),
        entry("hardware.memory.cached", "node_memory_Cached_bytes", .gauge, "Memory information field Cached_bytes.", .scaled(kib), []),
        entry("hardware.memory.swap.total", "node_memory_SwapTotal_bytes", .gauge, "Memory information field SwapTotal_bytes.", .scaled(kib), []),
        entry("hardware.memory.swap.avail", "node_memory_SwapFree_bytes", .gauge, "Memory information field SwapFree_bytes.", .scaled(kib), []),
        entry("hardware.memory.used", "virtmon_host_memory_used_bytes", .gauge, "Memory in use: MemTotal minus MemAvailable, as free(1) counts it.", .scaled(kib), []),
        entry("hardware.cpu.load.1min", "node_load1", .gauge, "1m load average.", .scaled(1), []),
        entry("hardware.cpu.load.5min", "node_load5", .gauge, "5m load average.", .scaled(1), []),
        entry("hardware.cpu.load.15min", "node_load15", .gauge, "15m load average.", .scaled(1), []),
        entry("hardware.system_stats.uptime", "node_boot_time_seconds", .gauge, "Node boot time, in unixtime.", .secondsBefore, []),
        entry("hardware.cpu.util", "virtmon_host_cpu_busy_ratio", .gauge, "Share of all CPUs' time spent busy (not idle, not iowait) over the agent's last cycle.", .scaled(0.01), []),
        entry("hardware.system_stats.cpu.user", "virtmon_host_cpu_mode_ratio", .gauge, "Share of all CPUs' time spent in each mode over the agent's last cycle.", .scaled(0.01), [.fixed("mode", value: "user")]),
        entry("hardware.system_stats.cpu.system", "virtmon_host_cpu_mode_ratio", .gauge, "Share of all CPUs' time spent in each mode over the agent's last cycle.", .scaled(0.01), [.fixed("mode", value: "system")]),
        entry("hardware.system_stats.cpu.iowait", "virtmon_host_cpu_mode_ratio", .gauge, "Share of all CPUs' time spent in each mode over the agent's last cycle.", .scaled(0.01), [.fixed("mode", value: "iowait")]),
        entry("hardware.system_stats.cpu.steal", "virtmon_host_cpu_mode_ratio", .gauge, "Share of all CPUs' time spent in each mode over the agent's last cycle.", .scaled(0.01), [.fixed("mode", value: "steal")]),
        entry("hardware.system_stats.cpu.idle", "virtmon_host_cpu_mode_ratio", .gauge, "Share of all CPUs' time spent in each mode over the agent's last cycle.", .scaled(0.01), [.fixed("mode", value: "idle")]),
        entry("hardware.network.incoming.bytes", "node_network_receive_bytes_total", .counter, "Network device statistic receive_bytes.", .scaled(1), [hostDevice]),
        entry("hardware.network.outgoing.bytes", "node_network_transmit_bytes_total", .counter, "Network device statistic transmit_bytes.", .scaled(1), [hostDevice]),
        entry("hardware.network.incoming.packets", "node_network_receive_packets_total", .counter, "Network device statistic receive_packets.", .scaled(1), [hostDevice]),
        entry("hardware.network.outgoing.packets", "node_network_transmit_packets_total", .counter, "Network device statistic transmit_packets.", .scaled(1), [hostDevice]),
        entry("hardware.network.incoming.errors", "node_network_receive_errs_total", .counter, "Network device statistic receive_errs.", .scaled(1), [hostDevice]),
        entry("hardware.network.outgoing.errors", "node_network_transmit_errs_total", .counter, "Network device statistic transmit_errs.", .scaled(1), [hostDevice]),
        entry("hardware.network.incoming.drops", "node_network_receive_drop_total", .counter, "Network device statistic receive_drop.", .scaled(1), [hostDevice]),
        entry("hardware.network.outgoing.drops", "node_network_transmit_drop_total", .counter, "Network device statistic transmit_drop.", .scaled(1), [hostDevice]),
        entry("hardware.disk.read.bytes", "node_disk_read_bytes_total", .counter, "The total number of bytes read successfully.", .scaled(1), [hostDevice]),
        entry("hardware.disk.write.bytes", "node_disk_written_bytes_total", .counter, "The total number of bytes written successfully.", .scaled(1), [hostDevice]),
        entry("hardware.disk.read.requests", "node_disk_reads_completed_total", .counter, "The total number of reads completed successfully.", .scaled(1), [hostDevice]),
        entry("hardware.disk.write.requests", "node_disk_writes_completed_total", .counter, "The total number of writes completed successfully.", .scaled(1), [hostDevice]),
        entry("hardware.disk.read.time", "node_disk_read_time_seconds_total", .counter, "The total number of seconds spent by all reads.", .scaled(0.001), [hostDevice]),
        entry("hardware.disk.write.time", "node_disk_write_time_seconds_total", .counter, "This is the total number of seconds spent by all writes.", .scaled(0.001), [hostDevice]),
        entry("hardware.disk.io.time", "node_disk_io_time_seconds_total", .counter, "Total seconds spent doing I/Os.", .scaled(0.001), [hostDevice]),
        entry("hardware.disk.size.total", "node_filesystem_size_bytes", .gauge, "Filesystem size in bytes.", .scaled(kib), filesystem),
        entry("hardware.disk.size.available", "node_filesystem_avail_bytes", .gauge, "Filesystem space available to non-root users in bytes.", .scaled(kib), filesystem),
        entry("hardware.disk.size.used", "virtmon_host_filesystem_used_bytes", .gauge, "Filesystem space in use (df's Used) in bytes.", .scaled(kib), filesystem),
    ]

    static let domains: [ExposedMeter] = [
        entry("cpu", "libvirt_domain_info_cpu_time_seconds_total", .counter, "Amount of CPU time used by the domain, in seconds.", .scaled(1e-9), [domain]),
        entry("vcpus", "libvirt_domain_info_virtual_cpus", .gauge, "Number of virtual CPUs for the domain.", .scaled(1), [domain]),
        entry("memory", "libvirt_domain_info_maximum_memory_bytes", .gauge, "Maximum allowed memory of the domain, in bytes.", .scaled(mib), [domain]),
        entry("power.state", "libvirt_domain_info_state", .gauge, "State of the domain (libvirt's virDomainState: 1 running, 3 paused, 5 shut off, …).", .scaled(1),
              [domain, .metadata("state_desc", key: "state")]),
        entry("power.state", "libvirt_domain_openstack_info", .gauge, "OpenStack metadata of the domain from its Nova XML, value 1; join on domain.", .one,
              [domain, .metadata("instance_name", key: "name"), .resourceID("instance_id"),
               .metadata("flavor_name", key: "flavor_name"), .metadata("user_name", key: "user_name"), .userID("user_id"),
               .metadata("project_name", key: "project_name"), .projectID("project_id")]),
        entry("virtmon.domain.read", "libvirt_domain_timed_out", .gauge, "1 when some of the domain's statistics could not be read in the agent's last cycle (a locked or vanishing domain), else 0.", .complement, [domain]),
        entry("cpu_util", "virtmon_domain_cpu_usage_ratio", .gauge, "CPU time over wall time per vCPU over the agent's last cycle, 0 to 1.", .scaled(0.01), [domain]),
        entry("memory.usage", "virtmon_domain_memory_used_bytes", .gauge, "Memory used inside the guest: balloon available minus unused, in bytes.", .scaled(mib), [domain]),
        entry("memory.resident", "libvirt_domain_memory_stats_rss_bytes", .gauge, "Resident set size of the process running the domain, in bytes.", .scaled(mib), [domain]),
        entry("memory.swap.in", "libvirt_domain_memory_stats_swap_in_bytes", .gauge, "Memory the guest swapped in, in bytes.", .scaled(mib), [domain]),
        entry("memory.swap.out", "libvirt_domain_memory_stats_swap_out_bytes", .gauge, "Memory the guest swapped out, in bytes.", .scaled(mib), [domain]),
        entry("disk.device.read.bytes", "libvirt_domain_block_stats_read_bytes_total", .counter, "Number of bytes read from a block device, in bytes.", .scaled(1), [domain, disk]),
        entry("disk.device.write.bytes", "libvirt_domain_block_stats_write_bytes_total", .counter, "Number of bytes written to a block device, in bytes.", .scaled(1), [domain, disk]),
        entry("disk.device.read.requests", "libvirt_domain_block_stats_read_requests_total", .counter, "Number of read requests from a block device.", .scaled(1), [domain, disk]),
        entry("disk.device.write.requests", "libvirt_domain_block_stats_write_requests_total", .counter, "Number of write requests to a block device.", .scaled(1), [domain, disk]),
        entry("disk.device.read.latency", "libvirt_domain_block_stats_read_time_seconds_total", .counter, "Total time spent on reads from a block device, in seconds.", .scaled(1e-9), [domain, disk]),
        entry("disk.device.write.latency", "libvirt_domain_block_stats_write_time_seconds_total", .counter, "Total time spent on writes to a block device, in seconds.", .scaled(1e-9), [domain, disk]),
        entry("disk.device.capacity", "libvirt_domain_block_stats_capacity_bytes", .gauge, "Logical size of a block device as the guest sees it, in bytes.", .scaled(1), [domain, disk]),
        entry("disk.device.allocation", "libvirt_domain_block_stats_allocation_bytes", .gauge, "Host storage allocated to a block device, in bytes.", .scaled(1), [domain, disk]),
        entry("disk.device.usage", "libvirt_domain_block_stats_physicalsize_bytes", .gauge, "Physical size of a block device's image on the host, in bytes.", .scaled(1), [domain, disk]),
        entry("network.incoming.bytes", "libvirt_domain_interface_stats_receive_bytes_total", .counter, "Number of bytes received on a network interface, in bytes.", .scaled(1), [domain, vnic]),
        entry("network.outgoing.bytes", "libvirt_domain_interface_stats_transmit_bytes_total", .counter, "Number of bytes transmitted on a network interface, in bytes.", .scaled(1), [domain, vnic]),
        entry("network.incoming.packets", "libvirt_domain_interface_stats_receive_packets_total", .counter, "Number of packets received on a network interface.", .scaled(1), [domain, vnic]),
        entry("network.outgoing.packets", "libvirt_domain_interface_stats_transmit_packets_total", .counter, "Number of packets transmitted on a network interface.", .scaled(1), [domain, vnic]),
        entry("network.incoming.packets.drop", "libvirt_domain_interface_stats_receive_drops_total", .counter, "Number of packet receive drops on a network interface.", .scaled(1), [domain, vnic]),
        entry("network.outgoing.packets.drop", "libvirt_domain_interface_stats_transmit_drops_total", .counter, "Number of packet transmit drops on a network interface.", .scaled(1), [domain, vnic]),
        entry("network.incoming.packets.error", "libvirt_domain_interface_stats_receive_errors_total", .counter, "Number of packet receive errors on a network interface.", .scaled(1), [domain, vnic]),
        entry("network.outgoing.packets.error", "libvirt_domain_interface_stats_transmit_errors_total", .counter, "Number of packet transmit errors on a network interface.", .scaled(1), [domain, vnic]),
    ]

    static let own: [ExposedMeter] = [
        entry("vmm.memory.overhead", "virtmon_vmm_memory_overhead_bytes", .gauge, "Hypervisor process memory outside guest RAM: resident bytes of mappings smaller than the guest's memory.", .scaled(kib), process),
        entry("vmm.cpu.overhead", "virtmon_vmm_cpu_overhead_ratio", .gauge, "CPU used by the hypervisor process outside its vCPU threads over the last check, as a share of one CPU.", .scaled(0.01), process),
        entry("virtmon.agent.poll.duration", "virtmon_agent_poll_duration_seconds", .gauge, "How long the pollster's last completed run took.", .scaled(0.001), pollster),
        entry("virtmon.agent.poll.success", "virtmon_agent_poll_success", .gauge, "1 when the pollster's last run succeeded, 0 when it failed.", .scaled(1), pollster),
    ]

    /// The families each meter feeds.
    public static let byMeter: [String: [ExposedMeter]] = Dictionary(grouping: table, by: \.meter)

    /// The families a sample feeds: its table entries, or for a meter the table does not know, one family named
    /// after it (`virtmon_` + the meter with its dots as underscores, `_total` on a cumulative meter) labelled
    /// by resource. A sample stored from remote-write keeps the name and labels it came with.
    public static func families(for sample: Sample) -> [ExposedMeter] {
        if let known = byMeter[sample.name] { return known }
        if RemoteWriteMapping.isRemoteWritten(sample) {
            return [ExposedMeter(meter: sample.name, family: sample.name,
                                 kind: RemoteWriteMapping.type(ofFamily: sample.name) == .cumulative ? .counter : .gauge,
                                 help: "Stored from remote-write.", value: .scaled(1), labels: [])]
        }
        var family = "virtmon_" + sanitized(sample.name)
        if sample.type == .cumulative, !family.hasSuffix("_total") { family += "_total" }
        return [ExposedMeter(meter: sample.name, family: family, kind: sample.type == .cumulative ? .counter : .gauge,
                             help: "virtmon meter \(sample.name) (\(sample.unit)).", value: .scaled(1),
                             labels: [.metadata("resource_type", key: "resource_type")])]
    }

    /// A label name Prometheus accepts: name characters only, and not the reserved `__` prefix.
    public static func labelName(_ text: String) -> String {
        let name = sanitized(text)
        return name.hasPrefix("__") ? "x" + name : name
    }

    /// A name made of Prometheus's name characters: anything else becomes `_`, and a leading digit gets one.
    public static func sanitized(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            let ok = (scalar >= "a" && scalar <= "z") || (scalar >= "A" && scalar <= "Z") || (scalar >= "0" && scalar <= "9") || scalar == "_"
            out.unicodeScalars.append(ok ? scalar : "_")
        }
        if let first = out.unicodeScalars.first, first >= "0" && first <= "9" { out = "_" + out }
        return out
    }
}
