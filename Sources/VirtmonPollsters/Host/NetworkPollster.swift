import VirtmonAgent
import VirtmonModel

/// Per-interface traffic counters from /proc/net/dev. Each interface is a resource named `<host>-<interface>`,
/// as Ceilometer names devices after their owner.
public struct NetworkPollster: Pollster {
    public let name = "host.network"
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
        let interfaces = InterfaceCounters.parse(try await context.proc("net/dev"))
        var samples: [Sample] = []
        samples.reserveCapacity(interfaces.count * 8)
        for interface in interfaces {
            let resource = "\(context.host)-\(interface.name)"
            let metadata: [String: JSONValue] = ["name": .string(interface.name), "resource_type": "host_interface"]
            func add(_ meter: MeterDefinition, _ value: UInt64) {
                samples.append(context.sample(meter, volume: Double(value), resourceID: resource, metadata: metadata))
            }
            add(NetworkPollster.incomingBytes, interface.receiveBytes)
            add(NetworkPollster.outgoingBytes, interface.transmitBytes)
            add(NetworkPollster.incomingPackets, interface.receivePackets)
            add(NetworkPollster.outgoingPackets, interface.transmitPackets)
            add(NetworkPollster.incomingErrors, interface.receiveErrors)
            add(NetworkPollster.outgoingErrors, interface.transmitErrors)
            add(NetworkPollster.incomingDrops, interface.receiveDrops)
            add(NetworkPollster.outgoingDrops, interface.transmitDrops)
        }
        return samples
    }
}
