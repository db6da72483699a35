/// How a sample's volume relates to earlier ones of the same series (Ceilometer's counter types).
public enum SampleType: String, Sendable, Codable, CaseIterable {
    /// A value at a point in time (memory in use, a percentage).
    case gauge
    /// The change since the previous sample of the series.
    case delta
    /// A counter that only grows, except when its source restarts (bytes sent, CPU nanoseconds).
    case cumulative
}
