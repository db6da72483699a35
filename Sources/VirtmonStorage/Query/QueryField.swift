import Foundation

/// A field a query can filter or group on, named as Ceilometer's `q.field` names it.
public enum QueryField: Sendable, Hashable, CustomStringConvertible {
    case meter
    case resourceID
    case projectID
    case userID
    case source
    case timestamp
    case messageID
    case type
    case unit
    case volume
    /// A key inside resource_metadata; dots reach into nested objects (`flavor.name`).
    case metadata(String)

    /// Parses Ceilometer's field names: `resource_id`, `project`, `timestamp`, `metadata.X`, `resource_metadata.X`…
    public init(parsing name: String) throws(QueryError) {
        switch name {
        case "meter", "counter_name", "name": self = .meter
        case "resource_id", "resource": self = .resourceID
        case "project_id", "project": self = .projectID
        case "user_id", "user": self = .userID
        case "source": self = .source
        case "timestamp": self = .timestamp
        case "message_id": self = .messageID
        case "type", "counter_type": self = .type
        case "unit", "counter_unit": self = .unit
        case "volume", "counter_volume": self = .volume
        default:
            for prefix in ["resource_metadata.", "metadata."] where name.hasPrefix(prefix) {
                let key = String(name.dropFirst(prefix.count))
                guard QueryField.isSafeMetadataKey(key) else {
                    throw .invalid("metadata key '\(key)' may hold only letters, digits, '_', '-', ':' and dots")
                }
                self = .metadata(key)
                return
            }
            throw .invalid("unknown field '\(name)'")
        }
    }

    /// Only plain names pass: keys are dotted paths into metadata, and error messages quote them.
    public static func isSafeMetadataKey(_ key: String) -> Bool {
        let parts = key.split(separator: ".", omittingEmptySubsequences: false)
        return !parts.isEmpty && parts.allSatisfy { part in
            !part.isEmpty && part.unicodeScalars.allSatisfy {
                ($0.properties.isASCIIHexDigit || ("a"..."z").contains($0) || ("A"..."Z").contains($0)
                    || $0 == "_" || $0 == "-" || $0 == ":")
            }
        }
    }

    public var description: String {
        switch self {
        case .meter: "meter"
        case .resourceID: "resource_id"
        case .projectID: "project_id"
        case .userID: "user_id"
        case .source: "source"
        case .timestamp: "timestamp"
        case .messageID: "message_id"
        case .type: "type"
        case .unit: "unit"
        case .volume: "volume"
        case .metadata(let key): "resource_metadata.\(key)"
        }
    }
}
