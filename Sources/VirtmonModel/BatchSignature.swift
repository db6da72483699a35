import Crypto
import Foundation

/// HMAC-SHA256 over a batch's exact body bytes under a shared secret. The body holds the agent id, sequence
/// number and send time, so the signature covers them too and a receiver can refuse replays.
///
/// One HMAC per batch rather than Ceilometer's one per sample: same protection, a fraction of the cost.
public struct BatchSignature: Sendable {
    private let key: SymmetricKey?

    /// An empty secret means batches go unsigned, as in Ceilometer.
    public init(secret: String) {
        key = secret.isEmpty ? nil : SymmetricKey(data: Data(secret.utf8))
    }

    /// Whether batches are signed at all.
    public var isEnabled: Bool { key != nil }

    /// Lower-case hex of the HMAC of `body`, or nil when unsigned.
    public func sign(_ body: Data) -> String? {
        guard let key else { return nil }
        let code = HMAC<SHA256>.authenticationCode(for: body, using: key)
        return code.map { String(format: "%02x", $0) }.joined()
    }

    /// Whether `signature` (hex) is the HMAC of `body`; compared in constant time. With no secret set every
    /// body is accepted.
    public func verify(_ body: Data, signature: String?) -> Bool {
        guard let key else { return true }
        guard let signature, let code = Data(hex: signature) else { return false }
        return HMAC<SHA256>.isValidAuthenticationCode(code, authenticating: body, using: key)
    }
}

extension Data {
    /// Bytes from an even-length hex string, or nil.
    init?(hex: String) {
        let chars = Array(hex.utf8)
        guard chars.count % 2 == 0 else { return nil }
        var bytes = [UInt8]()
        bytes.reserveCapacity(chars.count / 2)
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case 48...57: return c - 48
            case 97...102: return c - 87
            case 65...70: return c - 55
            default: return nil
            }
        }
        var index = 0
        while index < chars.count {
            guard let high = nibble(chars[index]), let low = nibble(chars[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        self.init(bytes)
    }
}
