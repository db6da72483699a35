import VirtmonModel

/// One step of a pipeline: the meters it applies to, its transformer, and whether the input passes on too.
public struct TransformStage: Sendable {
    public var selector: MeterSelector
    public var transformer: any Transformer
    /// Pass the input sample on beside what is derived from it.
    public var keepInput: Bool

    public init(selector: MeterSelector, transformer: any Transformer, keepInput: Bool = true) {
        self.selector = selector
        self.transformer = transformer
        self.keepInput = keepInput
    }
}
