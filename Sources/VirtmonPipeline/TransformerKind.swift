/// The one registry of transformers: the names a configuration's `type:` takes, and what each makes.
/// Adding a transformer is its file plus one case here and its line in `make`.
public enum TransformerKind: String, Sendable, CaseIterable {
    case rateOfChange = "rate_of_change"
    case delta
    case unitConversion = "unit_conversion"

    /// A fresh transformer of this kind (each sink step owns its own state).
    public func make(target: TransformTarget, growthOnly: Bool) -> any Transformer {
        switch self {
        case .rateOfChange: RateOfChange(target: target)
        case .delta: Delta(target: target, growthOnly: growthOnly)
        case .unitConversion: UnitConversion(target: target)
        }
    }
}
