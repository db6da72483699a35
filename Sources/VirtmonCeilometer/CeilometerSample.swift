import Foundation
import VirtmonModel

/// One Ceilometer sample dict as a virtmon `Sample`: the same keys (`counter_name`, `counter_type`,
/// `counter_unit`, `counter_volume`, `resource_id`, `timestamp`, …), read strictly with the field named in
/// every refusal.
public enum CeilometerSample {
    public static func sample(_ value: CeilometerValue) throws(CeilometerError) -> Sample {
        guard case .object = value else { throw CeilometerError("a sample is not a dict") }
        func text(_ key: String) throws(CeilometerError) -> String {
            guard let field = value[key] else { throw CeilometerError("the sample has no '\(key)'") }
            guard let string = field.string, !string.isEmpty else { throw CeilometerError("'\(key)' is not a non-empty string") }
            return string
        }
        func optionalText(_ key: String) throws(CeilometerError) -> String? {
            switch value[key] {
            case nil, .null?: return nil
            case .string(let string)?: return string.isEmpty ? nil : string
            default: throw CeilometerError("'\(key)' is neither a string nor null")
            }
        }
        let name = try text("counter_name")
        let typeName = try text("counter_type")
        guard let type = SampleType(rawValue: typeName) else {
            throw CeilometerError("'counter_type' of \(name) is '\(typeName.prefix(32))'; expected gauge, delta or cumulative")
        }
        guard let volumeField = value["counter_volume"] else { throw CeilometerError("the sample of \(name) has no 'counter_volume'") }
        guard let volume = volumeField.number, volume.isFinite else {
            throw CeilometerError("'counter_volume' of \(name) is not a finite number")
        }
        let unit: String
        switch value["counter_unit"] {
        case .string(let string)?: unit = string
        case nil, .null?: unit = ""
        default: throw CeilometerError("'counter_unit' of \(name) is not a string")
        }
        let timestamp = try CeilometerTime.parse(try text("timestamp"))
        var metadata: [String: JSONValue] = [:]
        switch value["resource_metadata"] {
        case nil, .null?: break
        case .object(let pairs)?: for (key, item) in pairs { metadata[key] = item.json }
        default: throw CeilometerError("'resource_metadata' of \(name) is not a dict")
        }
        let monotonic: Double?
        switch value["monotonic_time"] {
        case nil, .null?: monotonic = nil
        case let field?:
            guard let number = field.number else { throw CeilometerError("'monotonic_time' of \(name) is not a number") }
            monotonic = number
        }
        return Sample(
            name: name, type: type, unit: unit, volume: volume, userID: try optionalText("user_id"),
            projectID: try optionalText("project_id"), resourceID: try text("resource_id"), timestamp: timestamp,
            resourceMetadata: metadata, source: try optionalText("source") ?? "openstack",
            messageID: try text("message_id"), monotonicTime: monotonic)
    }
}
