import Foundation
import VirtmonModel

/// Metadata and event details as stored in SQL: JSON text with sorted keys.
public enum MetadataCoding {
    public static func encode(_ object: [String: JSONValue]) -> String {
        WireJSON.text(of: object)
    }

    /// Reads stored JSON back; a row that does not hold a JSON object yields an empty object, not a failure of
    /// the whole query.
    public static func decode(_ text: String?) -> [String: JSONValue] {
        guard let text, !text.isEmpty else { return [:] }
        return (try? JSONDecoder().decode([String: JSONValue].self, from: Data(text.utf8))) ?? [:]
    }
}
