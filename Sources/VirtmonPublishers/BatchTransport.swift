import Foundation

/// Moves one signed batch body to a destination. Implemented for HTTP and UDP.
///
/// Implementation requirements: return only when the destination accepted the batch (HTTP 2xx; for UDP,
/// the kernel took the datagram); throw `DeliveryError` otherwise, saying what the destination answered.
public protocol BatchTransport: Sendable {
    /// The destination, for logs.
    var target: String { get }
    /// The largest body one send can carry, if there is a limit (a UDP datagram).
    var maxBodyBytes: Int? { get }
    /// Sends one body, giving up after `timeout`.
    func send(body: Data, signature: String?, timeout: Duration) async throws(DeliveryError)
    /// Releases connections.
    func shutdown() async
}

/// Why a destination did not accept a batch. Every case is retried later; nothing is deleted before an
/// acceptance.
public enum DeliveryError: Error, Equatable, CustomStringConvertible {
    /// Nothing answered: refused, unreachable, timed out.
    case unreachable(String)
    /// The destination answered, but not with success.
    case refused(status: Int, body: String)

    public var description: String {
        switch self {
        case .unreachable(let reason): return "unreachable: \(reason)"
        case .refused(let status, let body): return "answered \(status): \(body)"
        }
    }
}
