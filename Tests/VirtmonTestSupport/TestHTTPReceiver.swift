import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization
import VirtmonModel

/// A real HTTP server on loopback that records every POST body and answers with a status chosen by the test.
public final class TestHTTPReceiver: Sendable {
    public struct Request: Sendable {
        public var path: String
        public var signature: String?
        public var body: Data
        /// Every header, names lower-cased.
        public var headers: [String: String] = [:]
    }

    private let state = Mutex<(requests: [Request], status: Int, delay: Int64)>(([], 200, 0))
    private let channel: any Channel
    public let port: Int

    /// Binds `port` (0 picks a free one).
    public init(port: Int = 0) async throws {
        StallWatchdog.start()
        let box = HandlerState(self_: nil)
        let bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(RecordingHandler(state: box))
                }
            }
        channel = try await bootstrap.bind(host: "127.0.0.1", port: port).get()
        self.port = channel.localAddress!.port!
        box.receiver.withLock { $0 = self }
    }

    public var requests: [Request] { state.withLock { $0.requests } }

    /// The status later requests are answered with.
    public func answer(_ status: Int) { state.withLock { $0.status = status } }

    /// How long later requests wait for their answer after being recorded, as a slow collector would.
    public func answerAfter(milliseconds: Int64) { state.withLock { $0.delay = milliseconds } }

    fileprivate func record(_ request: Request) -> (status: Int, delay: Int64) {
        state.withLock { state in
            state.requests.append(request)
            return (state.status, state.delay)
        }
    }

    public func stop() async throws {
        try await channel.close()
    }

    /// Every batch received, decoded.
    public func batches() throws -> [Batch] { try requests.map { try Batch.decode($0.body) } }
}

/// Lets the handler reach the receiver that is created after the bootstrap.
final class HandlerState: Sendable {
    let receiver: Mutex<TestHTTPReceiver?>
    init(self_: TestHTTPReceiver?) { receiver = Mutex(self_) }
}

private final class RecordingHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    let state: HandlerState
    var head: HTTPRequestHead?
    var body = ByteBuffer()

    init(state: HandlerState) { self.state = state }

    func respond(context: ChannelHandlerContext, head: HTTPResponseHead, text: String) {
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: text)))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let requestHead):
            head = requestHead
            body.clear()
        case .body(var chunk):
            body.writeBuffer(&chunk)
        case .end:
            var headerMap: [String: String] = [:]
            for (name, value) in head?.headers ?? HTTPHeaders() { headerMap[name.lowercased()] = value }
            let request = TestHTTPReceiver.Request(
                path: head?.uri ?? "", signature: head?.headers.first(name: SignedFrame.signatureHeader),
                body: Data(body.readableBytesView), headers: headerMap)
            let (status, delay) = state.receiver.withLock { $0 }?.record(request) ?? (500, 0)
            let text = status < 300 ? "stored" : "try later"
            var headers = HTTPHeaders()
            headers.add(name: "Content-Length", value: "\(text.utf8.count)")
            let head = HTTPResponseHead(version: .http1_1, status: HTTPResponseStatus(statusCode: status), headers: headers)
            guard delay > 0 else {
                respond(context: context, head: head, text: text)
                return
            }
            let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            context.eventLoop.scheduleTask(in: .milliseconds(delay)) {
                let (handler, context) = loopBound.value
                handler.respond(context: context, head: head, text: text)
            }
        }
    }
}
