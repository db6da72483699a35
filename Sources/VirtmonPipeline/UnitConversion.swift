import VirtmonModel

/// Renames and rescales a sample, such as KB to MB. Stateless.
///
/// As in Ceilometer, a numeric scale multiplies the volume and an expression gives the new volume itself
/// (`volume / 1024`).
public struct UnitConversion: Transformer {
    public let kind = "unit_conversion"
    public let target: TransformTarget

    public init(target: TransformTarget) {
        self.target = target
    }

    public mutating func transform(_ sample: Sample) throws(TransformError) -> [Sample] {
        switch target.scale {
        case .expression(let expression):
            let value: Double
            do {
                value = try expression.evaluate(sample)
            } catch {
                throw TransformError("scale of \(sample.name) for \(sample.resourceID): \(error)")
            }
            var unscaled = target
            unscaled.scale = nil
            return [try unscaled.derive(from: sample, volume: value)]
        case .factor, nil:
            return [try target.derive(from: sample, volume: sample.volume)]
        }
    }
}
