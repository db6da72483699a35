extension Array {
    /// Consecutive slices of at most `size` elements: statements take a bounded number of parameters.
    public func parts(of size: Int) -> [[Element]] {
        stride(from: 0, to: count, by: size).map { Array(self[$0..<Swift.min($0 + size, count)]) }
    }
}
