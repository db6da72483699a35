extension Duration {
    /// Whole nanoseconds, saturating at Int64's bounds.
    public var inNanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (product, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        return overflow ? (seconds < 0 ? .min : .max) : product + attoseconds / 1_000_000_000
    }

    /// Milliseconds as a fraction.
    public var inMilliseconds: Double { Double(inNanoseconds) / 1e6 }

    /// Seconds as a fraction.
    public var inSeconds: Double { Double(inNanoseconds) / 1e9 }
}
