import Foundation
import VirtmonModel
import VirtmonStorage

/// Samples posted to `POST /v2/meters/NAME` in Ceilometer's format, read leniently as its client sends them
/// (the CLI sends the volume as text) and checked as strictly as agent batches.
public enum PostedSamples {
    /// The samples of one request body (a list, or one object), each validated; `project` is the token's
    /// project (nil for admin), which every sample takes and none may contradict.
    public static func parse(_ body: JSONValue, meter: String, project scopeProject: String?, now: Date, validator: BatchValidator) throws -> [Sample] {
        let items: [JSONValue]
        switch body {
        case .array(let list): items = list
        case .object: items = [body]
        default: throw APIError.badRequest("body must be a list of samples")
        }
        guard !items.isEmpty else { throw APIError.badRequest("body holds no samples") }
        guard items.count <= validator.limits.maxSamples else {
            throw APIError(413, "\(items.count) samples in one request; at most \(validator.limits.maxSamples)")
        }
        var samples: [Sample] = []
        for (index, item) in items.enumerated() {
            let place = "sample \(index)"
            guard case .object(let fields) = item else { throw APIError.badRequest("\(place) is not an object") }
            func text(_ key: String) throws -> String? {
                switch fields[key] {
                case nil, .null?: return nil
                case .string(let value)?: return value
                case .number(let value)?: return QueryFilter.jsonText(.number(value))
                default: throw APIError.badRequest("\(place): \(key) must be a string")
                }
            }
            if let name = try text("counter_name"), name != meter {
                throw APIError.badRequest("\(place): counter_name '\(name)' differs from the meter in the URL, '\(meter)'")
            }
            guard let typeText = try text("counter_type") else { throw APIError.badRequest("\(place): counter_type is missing") }
            guard let type = SampleType(rawValue: typeText) else {
                throw APIError.badRequest("\(place): counter_type '\(typeText)' is not gauge, delta or cumulative")
            }
            guard let unit = try text("counter_unit") else { throw APIError.badRequest("\(place): counter_unit is missing") }
            guard let resourceID = try text("resource_id") else { throw APIError.badRequest("\(place): resource_id is missing") }
            let volume: Double
            switch fields["counter_volume"] {
            case .number(let number)?: volume = number
            case .string(let text)?:
                guard let number = Double(text.trimmingCharacters(in: .whitespaces)) else {
                    throw APIError.badRequest("\(place): counter_volume '\(text)' is not a number")
                }
                volume = number
            default: throw APIError.badRequest("\(place): counter_volume is missing")
            }
            var projectID = try text("project_id")
            if let project = scopeProject {
                if let given = projectID, given != project {
                    throw APIError.forbidden("\(place): a token of project \(project) cannot post samples for project \(given)")
                }
                projectID = project
            }
            var timestamp = now
            if let text = try text("timestamp") {
                timestamp = try QueryValue.date(text, for: "\(place): timestamp")
            }
            var metadata: [String: JSONValue] = [:]
            switch fields["resource_metadata"] {
            case nil, .null?: break
            case .object(let object)?: metadata = object
            default: throw APIError.badRequest("\(place): resource_metadata must be an object")
            }
            let sample = Sample(
                name: meter, type: type, unit: unit, volume: volume, userID: try text("user_id"), projectID: projectID,
                resourceID: resourceID, timestamp: timestamp, resourceMetadata: metadata,
                source: try text("source") ?? Sample.defaultSource,
                messageID: try text("message_id") ?? Sample.newMessageID())
            do {
                try validator.validate(sample, now: now, at: place)
            } catch {
                throw APIError.badRequest(error.detail)
            }
            samples.append(sample)
        }
        return samples
    }
}
