/// A comparison in a query filter: Ceilometer's `q.op`.
public enum QueryOperator: String, Sendable, Hashable, CaseIterable {
    case eq, ne, lt, le, gt, ge

    /// Applies the comparison to an ordering result.
    public func holds<T: Comparable>(_ lhs: T, _ rhs: T) -> Bool {
        switch self {
        case .eq: lhs == rhs
        case .ne: lhs != rhs
        case .lt: lhs < rhs
        case .le: lhs <= rhs
        case .gt: lhs > rhs
        case .ge: lhs >= rhs
        }
    }
}
