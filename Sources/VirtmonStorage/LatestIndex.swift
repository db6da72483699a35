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

    /// Meter records passing normalised filters (checked by `FilterScope`), by meter then resource.
    public func meterRecords(matching filters: [QueryFilter]) -> [MeterRecord] {
        return meters.values.map(\.record).filter { meter in
            filters.allSatisfy { filter in
                switch filter.field {
                case .meter: filter.compareText(meter.name)
                case .resourceID: filter.compareText(meter.resourceID)
                case .projectID: filter.compareText(meter.projectID)
                case .userID: filter.compareText(meter.userID)
                case .source: filter.compareText(meter.source)
                case .type: filter.compareText(meter.type.rawValue)
                case .unit: filter.compareText(meter.unit)
                case .metadata(let key):
                    filter.compareMetadata(
                        resources[meter.resourceID].flatMap { QueryFilter.lookup(key, in: $0.record.metadata) })
                default: false
                }
            }
        }.sorted { ($0.name, $0.resourceID) < ($1.name, $1.resourceID) }
    }

    /// Resource records passing normalised filters (checked by `FilterScope`), by resource id.
    public func resourceRecords(matching filters: [QueryFilter]) -> [ResourceRecord] {
        return resources.values.map(\.record).filter { resource in
            filters.allSatisfy { filter in
                switch filter.field {
                case .resourceID: filter.compareText(resource.resourceID)
                case .projectID: filter.compareText(resource.projectID)
                case .userID: filter.compareText(resource.userID)
                case .source: filter.compareText(resource.source)
                case .meter:
                    if case .string(let name) = filter.value { resource.meters.contains(name) } else { false }
                case .metadata(let key): filter.compareMetadata(QueryFilter.lookup(key, in: resource.metadata))
                case .timestamp:
                    if case .date(let date) = filter.value {
                        filter.op == .ge || filter.op == .gt
                            ? filter.op.holds(microseconds(resource.lastSample), microseconds(date))
                            : filter.op.holds(microseconds(resource.firstSample), microseconds(date))
                    } else { false }
                default: false
                }
            }
        }.sorted { $0.resourceID < $1.resourceID }
    }
}
