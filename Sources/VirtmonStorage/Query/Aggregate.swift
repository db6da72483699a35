/// An aggregate asked for by `aggregate.func` (with `aggregate.param` for cardinality).
public struct Aggregate: Sendable, Hashable, CustomStringConvertible {
    public enum Function: String, Sendable, Hashable, CaseIterable {
        case avg, min, max, sum, count, stddev, cardinality
    }

    public var function: Function
    /// For cardinality: the field whose distinct values are counted.
    public var parameter: QueryField?

    public init(_ function: Function, parameter: QueryField? = nil) {
        self.function = function
        self.parameter = parameter
    }

    /// Parses a function name and its parameter, refusing cardinality without a countable field.
    public init(parsing name: String, parameter: String?) throws(QueryError) {
        guard let function = Function(rawValue: name) else {
            throw .invalid("unknown aggregate '\(name)' (use \(Function.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        self.function = function
        if function == .cardinality {
            guard let parameter, !parameter.isEmpty else {
                throw .invalid("aggregate cardinality needs aggregate.param (resource_id, project_id, user_id or source)")
            }
            let field = try QueryField(parsing: parameter)
            switch field {
            case .resourceID, .projectID, .userID, .source: self.parameter = field
            default: throw .invalid("cardinality counts resource_id, project_id, user_id or source, not '\(parameter)'")
            }
        } else {
            self.parameter = nil
        }
    }

    /// The key in a row's `aggregate` object: `avg`, or `cardinality/resource_id`.
    public var description: String {
        if let parameter { return "\(function.rawValue)/\(parameter)" }
        return function.rawValue
    }
}
