/// Which fields the meter and resource listings filter on; every store checks with it before querying.
public enum FilterScope {
    /// The project an `eq` filter on project_id confines a listing to: meters and resources are then built
    /// from that project's samples alone (a resource's first sample, meters and metadata are the project's).
    public static func confiningProject(_ filters: [QueryFilter]) -> String? {
        for filter in filters where filter.field == .projectID && filter.op == .eq {
            if case .string(let project) = filter.value { return project }
        }
        return nil
    }

    public static func checkMeterFilters(_ filters: [QueryFilter]) throws(QueryError) {
        for filter in filters {
            switch filter.field {
            case .meter, .resourceID, .projectID, .userID, .source, .type, .unit, .metadata: continue
            default: throw .invalid("meters cannot be filtered on \(filter.field)")
            }
        }
    }

    public static func checkResourceFilters(_ filters: [QueryFilter]) throws(QueryError) {
        for filter in filters {
            switch filter.field {
            case .meter:
                guard filter.op == .eq else { throw .invalid("resources filter on meter with eq only") }
            case .resourceID, .projectID, .userID, .source, .metadata: continue
            case .timestamp:
                guard case .date = filter.value else { throw .invalid("timestamp filters need a datetime value") }
                guard filter.op != .eq && filter.op != .ne else {
                    throw .invalid("resources filter on timestamp with lt, le, gt or ge")
                }
            default: throw .invalid("resources cannot be filtered on \(filter.field)")
            }
        }
    }
}
