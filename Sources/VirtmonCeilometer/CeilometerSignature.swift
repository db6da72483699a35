import Crypto

/// Ceilometer's per-sample signature: HMAC-SHA256 under the shared secret (`telemetry_secret`), fed with
/// each (name, value) of the sample flattened as its `recursive_keypairs` does — keys sorted at every level,
/// nested dicts as `outer:inner`, lists as Python's `str()` of them with strings as bytes — skipping
/// `message_signature`; lower-case hex. An empty secret means unsigned, and every sample is valid.
public struct CeilometerSignature: Sendable {
    private let key: SymmetricKey?

    public init(secret: String) {
        key = secret.isEmpty ? nil : SymmetricKey(data: Array(secret.utf8))
    }

    public var isEnabled: Bool { key != nil }

    /// The signature of `sample` (a dict), or "" without a secret.
    public func sign(_ sample: CeilometerValue) -> String {
        guard let key else { return "" }
        var hmac = HMAC<SHA256>(key: key)
        for (name, value) in Self.keypairs(sample) where name != "message_signature" {
            hmac.update(data: Array(name.utf8))
            hmac.update(data: Array(value.utf8))
        }
        return hmac.finalize().map { byte in
            let text = String(byte, radix: 16)
            return byte < 16 ? "0" + text : text
        }.joined()
    }

    /// Whether `sample`'s `message_signature` is right; compared in constant time.
    public func verify(_ sample: CeilometerValue) -> Bool {
        guard isEnabled else { return true }
        guard let given = sample["message_signature"]?.string else { return false }
        let expected = Array(sign(sample).utf8)
        let offered = Array(given.utf8)
        guard expected.count == offered.count else { return false }
        return zip(expected, offered).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }

    /// (name, str(value)) in Ceilometer's order.
    static func keypairs(_ value: CeilometerValue, prefix: String = "") -> [(String, String)] {
        guard case .object(let pairs) = value else { return [] }
        // Python sorts str keys by code point; UTF-8 byte order is the same order.
        let sorted = pairs.sorted { Array($0.0.utf8).lexicographicallyPrecedes(Array($1.0.utf8)) }
        var out: [(String, String)] = []
        for (name, item) in sorted {
            let full = prefix.isEmpty ? name : prefix + ":" + name
            switch item {
            case .object: out += keypairs(item, prefix: full)
            case .array: out.append((full, PythonText.repr(item, stringsAsBytes: true)))
            default: out.append((full, PythonText.str(item)))
            }
        }
        return out
    }
}
