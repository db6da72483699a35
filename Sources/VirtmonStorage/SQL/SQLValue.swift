/// A value bound to a SQL statement parameter.
public enum SQLValue: Sendable, Hashable {
    case text(String)
    case integer(Int64)
    case real(Double)
    case blob([UInt8])
    case null

    /// Text, or NULL for nil.
    public static func optional(_ text: String?) -> SQLValue { text.map(SQLValue.text) ?? .null }
}
