import Foundation
import VirtmonModel

/// A sample as storage returns it: the sample plus when the collector recorded it.
public struct StoredSample: Sendable, Hashable {
    public var sample: Sample
    public var recordedAt: Date

    /// Timestamps are cut to whole microseconds, the resolution every store keeps.
    public init(sample: Sample, recordedAt: Date) {
        var sample = sample
        sample.timestamp = dateFromMicroseconds(microseconds(sample.timestamp))
        self.sample = sample
        self.recordedAt = dateFromMicroseconds(microseconds(recordedAt))
    }
}
