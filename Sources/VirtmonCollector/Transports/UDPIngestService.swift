import Foundation
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle

/// Receives batches as UDP datagrams (best effort: there is no answer, refusals are only counted and logged):
/// virtmon's signed frames, and Ceilometer's UDP publisher's msgpack samples on the same port.
public struct UDPIngestService: Service {
    private let host: String
    private let port: Int
    private let ingestor: Ingestor
    private let ceilometer: CeilometerIngest?
    private let logger: Logger
    private let onBound: @Sendable (Int) -> Void

    /// `onBound` receives the port actually bound (useful with port 0).
    public init(host: String, port: Int, ingestor: Ingestor, ceilometer: CeilometerIngest? = nil, logger: Logger, onBound: @escaping @Sendable (Int) -> Void = { _ in }) {
        self.host = host
        self.port = port
        self.ingestor = ingestor
        self.ceilometer = ceilometer
        self.logger = logger
        self.onBound = onBound
    }

    /// Datagrams being ingested at once, at most; each holds at most 64 KiB, so they hold at most 16 MiB.
    static let maxInFlight = 256

    public func run() async throws {
        let channel = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            // The default receive buffer would cut datagrams at 2 KiB; a batch may fill a whole datagram.
            .channelOption(ChannelOptions.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 65_536))
            .channelOption(ChannelOptions.socketOption(.so_rcvbuf), value: 4 * 1024 * 1024)
            .bind(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<AddressedEnvelope<ByteBuffer>, AddressedEnvelope<ByteBuffer>>(
                        wrappingChannelSynchronously: channel)
                }
            }
        let bound = channel.channel.localAddress?.port ?? port
        logger.info("collector receiving UDP", metadata: ["address": "\(host):\(bound)"])
        onBound(bound)
        try await withGracefulShutdownHandler {
            try await channel.executeThenClose { inbound, _ in
                // Datagrams are taken up to `maxInFlight` at a time so that they share group commits. One at a
                // time, each waiting for its own commit, the soak's 20 UDP agents (100 datagrams/s in bursts of
                // 50) lost 9.9 % to the full socket buffer in 120 s; taken together, 6.9 %. The rest is lost
                // while the writer itself is behind (docs/operations.md), which no buffer here cures.
                try await withThrowingTaskGroup(of: Void.self) { group in
                    var inFlight = 0
                    for try await envelope in inbound {
                        if inFlight >= Self.maxInFlight {
                            try await group.next()
                            inFlight -= 1
                        }
                        let datagram = Data(envelope.data.readableBytesView)
                        inFlight += 1
                        group.addTask { [ingestor, ceilometer] in
                            // Refusals are counted and logged inside; UDP has nobody to answer.
                            if let ceilometer, CeilometerIngest.isMessagePack(datagram) {
                                _ = try? await ceilometer.ingest(datagram: datagram)
                            } else {
                                _ = try? await ingestor.ingest(datagram: datagram)
                            }
                        }
                    }
                    try await group.waitForAll()
                }
            }
        } onGracefulShutdown: {
            channel.channel.close(promise: nil)
        }
    }
}
