import HummingbirdCore
import NIOCore
import NIOHTTPTypes

/// One connection's bounds, in its pipeline after HTTP decoding: a per-address cap checked when it opens,
/// a deadline for the first request head, for each body, for idleness between requests, and for a response
/// the client stops reading. Runs on the connection's event loop only.
final class ConnectionGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let limits: ConnectionLimits
    private let ledger: ConnectionLedger
    private var address: String?
    private var deadline: Scheduled<Void>?
    private var stall: Scheduled<Void>?
    private var requestsOpen = 0
    private var servedAny = false

    init(limits: ConnectionLimits, ledger: ConnectionLedger) {
        self.limits = limits
        self.ledger = ledger
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { opened(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        if address == nil { opened(context) }
        context.fireChannelActive()
    }

    private func opened(_ context: ChannelHandlerContext) {
        guard address == nil else { return }
        // Unix-socket clients have no IP address; they share one bucket.
        let key = context.channel.remoteAddress?.ipAddress ?? "local"
        guard ledger.open(key, limit: limits.maxPerAddress) else {
            context.close(promise: nil)
            return
        }
        address = key
        arm(context, after: limits.headerTimeout, .headerTimeout)
    }

    func channelInactive(context: ChannelHandlerContext) {
        deadline?.cancel()
        stall?.cancel()
        if let address { ledger.close(address) }
        address = nil
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            requestsOpen += 1
            arm(context, after: limits.bodyTimeout, .bodyTimeout)
        case .end:
            // The handler answers now; its own time is bounded by the request timeout.
            deadline?.cancel()
            deadline = nil
        case .body:
            break
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) {
            requestsOpen = max(0, requestsOpen - 1)
            servedAny = true
            if requestsOpen == 0 { arm(context, after: limits.idleTimeout, .idleTimeout) }
        }
        context.write(data, promise: promise)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            stall?.cancel()
            stall = nil
        } else if stall == nil {
            let ledger = self.ledger
            stall = context.eventLoop.assumeIsolated().scheduleTask(in: .seconds(Int64(limits.writeStallTimeout))) {
                ledger.closed(.writeStall)
                context.close(promise: nil)
            }
        }
        context.fireChannelWritabilityChanged()
    }

    private func arm(_ context: ChannelHandlerContext, after seconds: Double, _ why: ConnectionLedger.Closed) {
        deadline?.cancel()
        let ledger = self.ledger
        deadline = context.eventLoop.assumeIsolated().scheduleTask(in: .milliseconds(Int64(seconds * 1000))) {
            ledger.closed(why)
            context.close(promise: nil)
        }
    }
}
