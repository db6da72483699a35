import Foundation
import VirtmonModel
import VirtmonStorage
import VirtmonRequests

/// virtmon's own JSON API under /api/v1, for the CLI and the dashboard: plain parameter names, UTC
/// timestamps with a Z, series as [time, value] points oldest first. What its route families share.
enum OwnFormat {
    static func requireAdmin(_ context: AuthenticatedContext, _ what: String) throws {
        guard context.scope == .admin else { throw APIError.forbidden("\(what) need the admin token: they belong to hosts, not projects") }
    }

    /// meter, resource, project, user, source, start (inclusive), end (exclusive) and metadata.KEY=value.
    static func filters(_ parameters: QueryParameters, allowTime: Bool) throws -> [QueryFilter] {
        var filters: [QueryFilter] = []
        for (name, value) in parameters.pairs {
            switch name {
            case "meter": filters.append(QueryFilter(.meter, .eq, .string(value)))
            case "resource", "resource_id": filters.append(QueryFilter(.resourceID, .eq, .string(value)))
            case "project", "project_id": filters.append(QueryFilter(.projectID, .eq, .string(value)))
            case "user", "user_id": filters.append(QueryFilter(.userID, .eq, .string(value)))
            case "source": filters.append(QueryFilter(.source, .eq, .string(value)))
            case "start", "end":
                guard allowTime else { throw APIError.badRequest("\(name) does not apply here") }
                let date = try QueryValue.date(value, for: name)
                filters.append(QueryFilter(.timestamp, name == "start" ? .ge : .lt, .date(date)))
            default:
                if name.hasPrefix("metadata.") {
                    filters.append(QueryFilter(try QueryField(parsing: name), .eq, .string(value)))
                }
            }
        }
        return filters
    }

    static func resource(_ resource: ResourceRecord) -> JSONValue {
        .object([
            "resource_id": .string(resource.resourceID), "project_id": .optional(resource.projectID),
            "user_id": .optional(resource.userID), "source": .string(resource.source),
            "first_sample": .string(WireTimestamp.format(resource.firstSample)),
            "last_sample": .string(WireTimestamp.format(resource.lastSample)),
            "metadata": .object(resource.metadata), "meters": .array(resource.meters.map(JSONValue.string)),
        ])
    }

    static func sample(_ stored: StoredSample) -> JSONValue {
        guard case .object(var object) = CeilometerFormat.sample(stored) else { return .null }
        object["timestamp"] = .string(WireTimestamp.format(stored.sample.timestamp))
        object["recorded_at"] = .string(WireTimestamp.format(stored.recordedAt))
        return .object(object)
    }
}
