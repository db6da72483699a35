import Logging
import VirtmonModel

/// Runs samples through transform stages in order. The actor is the single owner of every stage's per-series
/// state (Ceilometer's transformers were wrong with several workers for want of one).
public actor Pipeline {
    private var stages: [TransformStage]
    private let logger: Logger
    private var dropped = 0

    public init(stages: [TransformStage], logger: Logger) {
        self.stages = stages
        self.logger = logger
    }

    /// Samples dropped so far because a stage could not transform them or their volume was not finite.
    public var droppedCount: Int { dropped }

    /// Whether any stage needs a previous sample before it yields (rate_of_change, delta).
    public nonisolated static func needsPreviousSample(_ stages: [TransformStage]) -> Bool {
        stages.contains { $0.transformer.needsPreviousSample }
    }

    /// The samples to publish for `input`, in input order with derived samples after their inputs.
    public func process(_ input: [Sample]) -> [Sample] {
        var current = input.filter { sample in
            guard sample.volume.isFinite else {
                dropped += 1
                logger.warning("sample with a non-finite volume dropped",
                               metadata: ["meter": "\(sample.name)", "resource": "\(sample.resourceID)"])
                return false
            }
            return true
        }
        for index in stages.indices {
            var next: [Sample] = []
            next.reserveCapacity(current.count)
            for sample in current {
                guard stages[index].selector.matches(sample.name) else {
                    next.append(sample)
                    continue
                }
                if stages[index].keepInput { next.append(sample) }
                do {
                    next.append(contentsOf: try stages[index].transformer.transform(sample))
                } catch {
                    dropped += 1
                    logger.warning("transformer dropped a sample",
                                   metadata: ["transformer": "\(stages[index].transformer.kind)",
                                              "error": "\(error)"])
                }
            }
            current = next
        }
        return current
    }
}
