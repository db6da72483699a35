extension Double {
    /// The value as an Int64 when it is a whole number below 9e15 in magnitude, where a Double still counts
    /// every integer exactly; wire JSON, metadata text and log lines write such values without a fraction.
    public var exactInteger: Int64? {
        rounded() == self && abs(self) < 9.0e15 ? Int64(self) : nil
    }
}
