import Foundation
import VirtmonModel

/// Moves one signed batch body to a destination. Implemented for HTTP and UDP.
///
/// Implementation requirements: return only when the destination accepted the batch (HTTP 2xx; for UDP,
/// the kernel took the datagram); throw `DeliveryError` otherwise, saying what the destination answered.
public protocol BatchTransport: Sendable {
    /// The destination, for logs.
    var target: String { get }
    /// The largest body one send can carry, if there is a limit (a UDP datagram).
    var maxBodyBytes: Int? { get }
    /// The bytes one attempt at `batch` sends and their signature. The default is the batch's JSON, signed;
    /// a transport with its own wire format (remote-write) makes its own. Asked again for each attempt.
    func body(for batch: Batch, signature: BatchSignature) throws -> (body: Data, signature: String?)
    /// Sends one body, giving up after `timeout`.
    func send(body: Data, signature: String?, timeout: Duration) async throws(DeliveryError)
    /// Releases connections.
    func shutdown() async
}

extension BatchTransport {
    public func body(for batch: Batch, signature: BatchSignature) throws -> (body: Data, signature: String?) {
        let body = batch.encoded()
        return (body, signature.sign(body))
    }
}

/// Why a destination did not accept a batch. Every case but `rejected` is retried later; nothing is deleted
/// before an acceptance or a rejection.
public enum DeliveryError: Error, Equatable, CustomStringConvertible {
    /// Nothing answered: refused, unreachable, timed out.
    case unreachable(String)
    /// The destination answered, but not with success.
    case refused(status: Int, body: String)
    /// The destination refused the batch for good (remote-write's 4xx other than 429): sending it again would
    /// be refused again, so it is dropped and counted.
    case rejected(status: Int, body: String)

    public var description: String {
        switch self {
        case .unreachable(let reason): return "unreachable: \(reason)"
        case .refused(let status, let body): return "answered \(status): \(body)"
        case .rejected(let status, let body): return "rejected with \(status): \(body)"
        }
    }
}
