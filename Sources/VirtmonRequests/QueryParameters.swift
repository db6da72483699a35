import Foundation

/// A URL query string as ordered (name, value) pairs: Ceilometer's q.field/q.op/q.value lists and
/// aggregate.func/aggregate.param pairs depend on order, and `+` means a space as Python's urlencode writes it.
public struct QueryParameters: Sendable {
    public let pairs: [(name: String, value: String)]

    public init(_ query: String?) {
        pairs = (query ?? "").split(separator: "&").map { item in
            let parts = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ text: Substring) -> String {
                let spaced = text.replacingOccurrences(of: "+", with: " ")
                return spaced.removingPercentEncoding ?? spaced
            }
            return (decode(parts[0]), parts.count > 1 ? decode(parts[1]) : "")
        }
    }

    /// Every value of `name`, in order.
    public func all(_ name: String) -> [String] { pairs.filter { $0.name == name }.map(\.value) }

    /// The last value of `name`.
    public subscript(_ name: String) -> String? { pairs.last { $0.name == name }?.value }
}
