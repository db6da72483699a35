import AsyncHTTPClient
import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import VirtmonModel

/// Network errors from NIO and AsyncHTTPClient in words that say what happened at which address, instead of
/// `connection reset (error set): Connection refused) (errno: 111)`.
public enum NetworkErrorWords {
    /// - Parameter target: `HOST:PORT` (or a URL) the error happened talking to.
    public static func describe(_ error: any Error, target: String) -> String {
        switch error {
        case let error as NIOConnectionError:
            if let first = error.connectionErrors.first { return describe(first.error, target: "\(error.host):\(error.port)") }
            if error.dnsAError != nil || error.dnsAAAAError != nil { return "cannot resolve \(error.host) (no address found)" }
            return "cannot connect to \(error.host):\(error.port)"
        case let error as IOError:
            return errno(error.errnoCode, target: target)
        case let error as HTTPClientError:
            switch error {
            case .connectTimeout: return "no connection to \(target) within the connect timeout (a firewall dropping packets, or the host is down)"
            case .readTimeout, .deadlineExceeded: return "\(target) did not answer within the timeout"
            case .remoteConnectionClosed: return "\(target) closed the connection before answering"
            case .cancelled: return "the request to \(target) was cancelled"
            default: return "\(target): \(error)"
            }
        case let error as NIOSSLError:
            return tls(error, target: target)
        case let error as NIOSSLExtraError:
            if error == .failedToValidateHostname { return "the certificate of \(target) does not name that host (its subjectAltName must list the name or address the URL uses)" }
            return "TLS with \(target): \(error)"
        case let error as ChannelError:
            if case .connectTimeout = error { return "no connection to \(target) within the connect timeout" }
            return "\(target): \(error)"
        default:
            return "\(target): \(ErrorWords.describe(error))"
        }
    }

    static func tls(_ error: NIOSSLError, target: String) -> String {
        let text = "\(error)"
        if text.contains("CERTIFICATE_VERIFY_FAILED") {
            return "the certificate of \(target) is not trusted: it does not chain to the certificate authorities in use (set publishing.tls_ca or VIRTMON_TLS_CA to the PEM of the authority that signed it), or it has expired"
        }
        if text.contains("WRONG_VERSION_NUMBER") || text.contains("PACKET_LENGTH_TOO_LONG") {
            return "\(target) does not speak TLS there (is it plain http://?)"
        }
        if case .uncleanShutdown = error { return "\(target) closed the TLS connection without a close_notify" }
        return "TLS handshake with \(target) failed: \(text)"
    }

    static func errno(_ code: CInt, target: String) -> String {
        switch code {
        case ECONNREFUSED: return "connection refused by \(target): nothing listens there"
        case ECONNRESET: return "\(target) reset the connection"
        case EHOSTUNREACH, ENETUNREACH: return "no route to \(target)"
        case ETIMEDOUT: return "\(target) did not answer (timed out)"
        case EPIPE: return "\(target) closed the connection while it was being written to"
        default: return "\(target): \(ErrorWords.posix(code))"
        }
    }

    /// `HOST:PORT` of a URL, for messages.
    public static func target(of url: String) -> String {
        guard let components = URLComponents(string: url), let host = components.host else { return url }
        let port = components.port ?? (components.scheme == "https" ? 443 : 80)
        return host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}
