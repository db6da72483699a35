import VirtmonModel

/// What a derived sample looks like: its name and unit (templates where `{name}` and `{unit}` stand for the
/// input's), type, a scale and an upper bound.
public struct TransformTarget: Sendable, Hashable {
    /// A scale is either a plain factor or an expression (Ceilometer allows both).
    public enum Scale: Sendable, Hashable {
        case factor(Double)
        case expression(ScaleExpression)
    }

    public var name: String {
        didSet { nameTemplate = NameTemplate(name) }
    }
    public var unit: String {
        didSet { unitTemplate = NameTemplate(unit) }
    }
    private var nameTemplate: NameTemplate
    private var unitTemplate: NameTemplate
    public var type: SampleType
    public var scale: Scale?
    /// Values above this are clamped to it (cpu_util at 100).
    public var maximum: Double?

    public init(name: String, unit: String, type: SampleType = .gauge, scale: Scale? = nil, maximum: Double? = nil) {
        self.name = name
        self.unit = unit
        self.nameTemplate = NameTemplate(name)
        self.unitTemplate = NameTemplate(unit)
        self.type = type
        self.scale = scale
        self.maximum = maximum
    }

    /// The name and unit a sample of `meter` (in `unit`) gets from this target.
    public func rendered(meter: String, unit inputUnit: String) -> (name: String, unit: String) {
        (nameTemplate.render(name: meter, unit: inputUnit), unitTemplate.render(name: meter, unit: inputUnit))
    }

    /// The derived sample: `input` renamed, retyped, with `volume` scaled and bounded.
    func derive(from input: Sample, volume: Double) throws(TransformError) -> Sample {
        var scaled = volume
        switch scale {
        case .factor(let factor): scaled = volume * factor
        case .expression(let expression):
            do {
                scaled = volume * (try expression.evaluate(input))
            } catch {
                throw TransformError("scale of \(input.name) for \(input.resourceID): \(error)")
            }
        case nil: break
        }
        if let maximum { scaled = min(scaled, maximum) }
        guard scaled.isFinite else {
            throw TransformError("\(input.name) for \(input.resourceID) gave a non-finite value")
        }
        var output = input
        output.name = nameTemplate.render(name: input.name, unit: input.unit)
        output.unit = unitTemplate.render(name: input.name, unit: input.unit)
        output.type = type
        output.volume = scaled
        output.messageID = Sample.newMessageID()
        return output
    }
}
