import Foundation

extension KeyedDecodingContainer {
    /// A `WireTimestamp` string, or a decoding error naming the key and the text that is not one.
    func decodeWireTimestamp(forKey key: Key) throws -> Date {
        let text = try decode(String.self, forKey: key)
        guard let date = WireTimestamp.parse(text) else {
            throw DecodingError.dataCorruptedError(
                forKey: key, in: self, debugDescription: "not an ISO 8601 timestamp: \(text)")
        }
        return date
    }
}
