/// The two SQL databases virtmon stores in, and where their SQL differs.
public enum SQLDialect: Sendable {
    case sqlite
    case postgres

    /// The n-th (1-based) parameter placeholder.
    public func placeholder(_ index: Int) -> String {
        switch self {
        case .sqlite: "?\(index)"
        case .postgres: "$\(index)"
        }
    }

    /// A metadata value as text (strings as they are, numbers and booleans as JSON spells them, else NULL).
    public func metadataText(_ column: String, key: String) -> String {
        switch self {
        case .sqlite:
            let path = "'$.\(key)'"
            return "(CASE json_type(\(column), \(path)) WHEN 'text' THEN json_extract(\(column), \(path)) "
                + "WHEN 'integer' THEN CAST(json_extract(\(column), \(path)) AS TEXT) "
                + "WHEN 'real' THEN CAST(json_extract(\(column), \(path)) AS TEXT) "
                + "WHEN 'true' THEN 'true' WHEN 'false' THEN 'false' END)"
        case .postgres:
            let path = postgresPath(key)
            return "(CASE WHEN jsonb_typeof(\(column) #> \(path)) IN ('string', 'number', 'boolean') "
                + "THEN (\(column) #>> \(path)) END) COLLATE \"C\""
        }
    }

    /// A metadata value as a number when it is one, else NULL.
    public func metadataNumber(_ column: String, key: String) -> String {
        switch self {
        case .sqlite:
            let path = "'$.\(key)'"
            return "(CASE WHEN json_type(\(column), \(path)) IN ('integer', 'real') THEN json_extract(\(column), \(path)) END)"
        case .postgres:
            let path = postgresPath(key)
            return "(CASE WHEN jsonb_typeof(\(column) #> \(path)) = 'number' THEN (\(column) #>> \(path))::float8 END)"
        }
    }

    /// A metadata boolean as 1 or 0, else NULL.
    public func metadataBool(_ column: String, key: String) -> String {
        switch self {
        case .sqlite:
            let path = "'$.\(key)'"
            return "(CASE json_type(\(column), \(path)) WHEN 'true' THEN 1 WHEN 'false' THEN 0 END)"
        case .postgres:
            let path = postgresPath(key)
            return "(CASE WHEN jsonb_typeof(\(column) #> \(path)) = 'boolean' "
                + "THEN (CASE WHEN (\(column) #>> \(path)) = 'true' THEN 1 ELSE 0 END) END)"
        }
    }

    /// Keys are checked by `QueryField.isSafeMetadataKey` before they get here, so splicing them is safe.
    private func postgresPath(_ key: String) -> String {
        "'{\(key.split(separator: ".").joined(separator: ","))}'"
    }

    /// Text comparison that orders by bytes in both databases.
    public func textColumn(_ column: String) -> String {
        switch self {
        case .sqlite: column
        case .postgres: "\(column) COLLATE \"C\""
        }
    }
}
