import Foundation
import VirtmonModel
import VirtmonPipeline
import VirtmonPublishers

/// The agent's whole configuration. Every field has a default, so the agent runs with no file at all.
public struct AgentConfig: Sendable {
    /// One polling source: which meters, how often, to which sinks.
    public struct Source: Sendable {
        public var name: String
        public var interval: Duration?
        public var timeout: Duration?
        public var meters: MeterSelector
        /// Sink names; empty means every sink.
        public var sinks: [String]
    }

    /// One transformer step of a sink.
    public struct TransformerSpec: Sendable {
        /// The registry's kinds (VirtmonPipeline/TransformerKind.swift).
        public typealias Kind = TransformerKind
        public var kind: Kind
        public var meters: MeterSelector
        public var keepInput: Bool
        public var target: TransformTarget
        public var growthOnly: Bool
    }

    /// A sink: its transformers, then its publishers.
    public struct Sink: Sendable {
        public var name: String
        public var transformers: [TransformerSpec]
        public var publishers: [String]
    }

    public var host: String
    public var dataDir: String
    public var procRoot: String
    public var sysRoot: String
    public var interval: Duration
    public var logLevel: String
    public var sources: [Source]
    public var sinks: [Sink]
    public var publishing: PublisherSettings
    public var monitors = MonitorConfig()
    /// libvirt connection for VM meters: nil means qemu:///system when libvirt is installed; "off" disables.
    public var libvirtURI: String?
    /// HOST:PORT of the agent's /healthz and /metrics; nil serves none.
    public var listen: CollectorConfig.Endpoint?
    /// Whether /metrics stamps each series with its cycle's time.
    public var metricsTimestamps = false

    /// The configuration used when no file is given.
    public static func defaults() -> AgentConfig {
        let dataDir = AgentConfig.defaultDataDir()
        return AgentConfig(
            host: AgentConfig.hostName(), dataDir: dataDir, procRoot: "/proc", sysRoot: "/sys",
            interval: .seconds(10), logLevel: "info",
            sources: [Source(name: "host", interval: nil, timeout: nil, meters: .all, sinks: [])],
            sinks: [Sink(name: "default", transformers: AgentConfig.defaultTransformers(), publishers: ["log://"])],
            publishing: PublisherSettings(dataDir: dataDir))
    }

    /// Rates of the host's traffic counters, beside the counters themselves.
    static func defaultTransformers() -> [TransformerSpec] {
        [
            TransformerSpec(
                kind: .rateOfChange,
                meters: try! MeterSelector([  // literal patterns, cannot fail
                    "hardware.network.*.bytes", "hardware.network.*.packets", "hardware.disk.read.bytes",
                    "hardware.disk.write.bytes", "hardware.disk.read.requests", "hardware.disk.write.requests",
                    "disk.device.*.bytes", "disk.device.*.requests", "network.*.bytes", "network.*.packets",
                ]),
                keepInput: true, target: TransformTarget(name: "{name}.rate", unit: "{unit}/s"), growthOnly: false)
        ]
    }

    /// `/var/lib/virtmon` for root, else `$XDG_DATA_HOME/virtmon` or `~/.local/share/virtmon`.
    public static func defaultDataDir() -> String {
        if geteuid() == 0 { return "/var/lib/virtmon" }
        let environment = ProcessInfo.processInfo.environment
        if let xdg = environment["XDG_DATA_HOME"], !xdg.isEmpty { return xdg + "/virtmon" }
        return (environment["HOME"] ?? NSTemporaryDirectory()) + "/.local/share/virtmon"
    }

    /// The kernel's host name (not a DNS lookup, which can hang).
    public static func hostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The interval of a source: its own, else the agent's.
    public func interval(of source: Source) -> Duration { source.interval ?? interval }

    /// The meters that default transformers derive, for docs/meters.md.
    public static func derivedMeterNames(from meters: [MeterDefinition]) -> [MeterDefinition] {
        var derived: [MeterDefinition] = []
        for spec in defaultTransformers() {
            for meter in meters where spec.meters.matches(meter.name) {
                let rendered = spec.target.rendered(meter: meter.name, unit: meter.unit)
                derived.append(
                    MeterDefinition(
                        name: rendered.name, type: spec.target.type, unit: rendered.unit,
                        summary: "Per-second rate of \(meter.name)", origin: "pipeline: rate_of_change"))
            }
        }
        return derived
    }
}
