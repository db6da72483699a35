import VirtmonAgent
import VirtmonModel

/// Per-interface traffic counters from /proc/net/dev. Each interface is a resource named `<host>-<interface>`,
/// as Ceilometer names devices after their owner.
public struct NetworkPollster: Pollster {
    public let name = "host.network"
    /// Reads one /proc file.
    public var readsOnlyKernelTables: Bool { true }
    public init() {}

    static func counter(_ direction: String, _ what: String, unit: String, summary: String) -> MeterDefinition {
        MeterDefinition(
            name: "hardware.network.\(direction).\(what)", type: .cumulative, unit: unit, summary: summary,
            origin: "/proc/net/dev")
    }

    static let incomingBytes = counter("incoming", "bytes", unit: "B", summary: "Bytes received")
    static let outgoingBytes = counter("outgoing", "bytes", unit: "B", summary: "Bytes sent")
    static let incomingPackets = counter("incoming", "packets", unit: "packet", summary: "Packets received")
    static let outgoingPackets = counter("outgoing", "packets", unit: "packet", summary: "Packets sent")
    static let incomingErrors = counter("incoming", "errors", unit: "packet", summary: "Receive errors")
    static let outgoingErrors = counter("outgoing", "errors", unit: "packet", summary: "Transmit errors")
    static let incomingDrops = counter("incoming", "drops", unit: "packet", summary: "Received packets dropped")
    static let outgoingDrops = counter("outgoing", "drops", unit: "packet", summary: "Packets dropped on send")

    public var meters: [MeterDefinition] {
        [NetworkPollster.incomingBytes, NetworkPollster.outgoingBytes, NetworkPollster.incomingPackets,
         NetworkPollster.outgoingPackets, NetworkPollster.incomingErrors, NetworkPollster.outgoingErrors,
         NetworkPollster.incomingDrops, NetworkPollster.outgoingDrops]
    }

    public func poll(_ context: PollContext) async throws -> [Sample] {
        let interfaces = InterfaceCounters.parse(try context.proc("net/dev"))
        return interfaces.flatMap { interface in
            context.deviceSamples(interface.name, resourceType: "host_interface", [
                (NetworkPollster.incomingBytes, Double(interface.receiveBytes)),
                (NetworkPollster.outgoingBytes, Double(interface.transmitBytes)),
                (NetworkPollster.incomingPackets, Double(interface.receivePackets)),
                (NetworkPollster.outgoingPackets, Double(interface.transmitPackets)),
                (NetworkPollster.incomingErrors, Double(interface.receiveErrors)),
                (NetworkPollster.outgoingErrors, Double(interface.transmitErrors)),
                (NetworkPollster.incomingDrops, Double(interface.receiveDrops)),
                (NetworkPollster.outgoingDrops, Double(interface.transmitDrops)),
            ])
        }
    }
}
