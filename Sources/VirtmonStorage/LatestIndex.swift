import Foundation
import VirtmonModel

/// The per-(meter, resource) and per-resource summaries every store keeps beside the samples, computed the
/// same way everywhere: the latest sample (greatest timestamp; on a tie the later commit) supplies ids and
/// metadata, first and last span all samples.
public struct LatestIndex: Sendable {
    public struct MeterKey: Hashable, Sendable {
        public var name: String
        public var resourceID: String
    }

    public struct ResourceState: Sendable {
        public var record: ResourceRecord
        var firstMicros: Int64
        var lastMicros: Int64
    }

    public private(set) var meters: [MeterKey: (record: MeterRecord, lastMicros: Int64)] = [:]
    public private(set) var resources: [String: ResourceState] = [:]

    public init() {}

    /// Folds one sample in.
    public mutating func add(_ sample: Sample) {
        let micros = microseconds(sample.timestamp)
        let key = MeterKey(name: sample.name, resourceID: sample.resourceID)
        let meter = MeterRecord(
            name: sample.name, type: sample.type, unit: sample.unit, resourceID: sample.resourceID,
            projectID: sample.projectID, userID: sample.userID, source: sample.source
        )
        if let existing = meters[key] {
            if micros >= existing.lastMicros { meters[key] = (meter, micros) }
        } else {
            meters[key] = (meter, micros)
        }
        if var state = resources[sample.resourceID] {
            if micros >= state.lastMicros {
                state.record.projectID = sample.projectID
                state.record.userID = sample.userID
                state.record.source = sample.source
                state.record.metadata = sample.resourceMetadata
                state.lastMicros = micros
                state.record.lastSample = dateFromMicroseconds(micros)
            }
            if micros < state.firstMicros {
                state.firstMicros = micros
                state.record.firstSample = dateFromMicroseconds(micros)
            }
            if !state.record.meters.contains(sample.name) {
                state.record.meters.append(sample.name)
                state.record.meters.sort()
            }
            resources[sample.resourceID] = state
        } else {
            let date = dateFromMicroseconds(micros)
            resources[sample.resourceID] = ResourceState(
                record: ResourceRecord(
                    resourceID: sample.resourceID, projectID: sample.projectID, userID: sample.userID,
                    source: sample.source, firstSample: date, lastSample: date, metadata: sample.resourceMetadata,
                    meters: [sample.name]
                ),
                firstMicros: micros, lastMicros: micros
            )
        }
    }
}
