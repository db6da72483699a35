import Foundation
import VirtmonModel

/// How one virtmon meter appears to Prometheus: the family it becomes, its type and help, how its value is
/// brought to Prometheus's base units, and which labels come from the sample. One meter may feed several
/// families (a domain's power state is also its info series).
public struct ExposedMeter: Sendable {
    /// Prometheus's metric types that virtmon exposes.
    public enum Kind: String, Sendable {
        case counter, gauge, summary, histogram
    }

    /// Where a family's value comes from.
    public enum Value: Sendable {
        /// The sample's volume times a factor (ns → s is 1e-9, KB → bytes 1024, % → ratio 0.01).
        case scaled(Double)
        /// The sample's time minus its volume in seconds: uptime becomes node_exporter's boot time.
        case secondsBefore
        /// The constant 1 of an info series; its labels carry the facts.
        case one
        /// 1 − the volume: a success flag turned into a failure flag.
        case complement
    }

    /// Where one label's value comes from.
    public enum Label: Sendable {
        /// A resource metadata key; the label is left out when the sample lacks it.
        case metadata(String, key: String)
        /// The same value on every series of the family (node_exporter's `mode`).
        case fixed(String, value: String)
        /// The sample's project, user or resource id.
        case projectID(String), userID(String), resourceID(String)
    }

    public let meter: String
    public let family: String
    public let kind: Kind
    public let help: String
    public let value: Value
    public let labels: [Label]

    public init(meter: String, family: String, kind: Kind, help: String, value: Value = .scaled(1), labels: [Label]) {
        self.meter = meter
        self.family = family
        self.kind = kind
        self.help = help
        self.value = value
        self.labels = labels
    }

    /// The value this family shows for `sample`.
    public func value(of sample: Sample) -> Double {
        switch value {
        case .scaled(let factor): return factor == 1 ? sample.volume : sample.volume * factor
        case .secondsBefore: return (sample.timestamp.timeIntervalSince1970 - sample.volume).rounded()
        case .one: return 1
        case .complement: return 1 - sample.volume
        }
    }

    /// The labels this family gives `sample`, in the table's order (the writer sorts them).
    public func labels(of sample: Sample) -> [(String, String)] {
        var result: [(String, String)] = []
        result.reserveCapacity(labels.count)
        for label in labels {
            switch label {
            case .metadata(let name, let key):
                if let text = sample.resourceMetadata[key]?.labelText, !text.isEmpty { result.append((name, text)) }
            case .fixed(let name, let value):
                result.append((name, value))
            case .projectID(let name):
                if let id = sample.projectID, !id.isEmpty { result.append((name, id)) }
            case .userID(let name):
                if let id = sample.userID, !id.isEmpty { result.append((name, id)) }
            case .resourceID(let name):
                result.append((name, sample.resourceID))
            }
        }
        return result
    }
}

extension JSONValue {
    /// A metadata value as a label value: strings as they are, whole numbers without a fraction.
    var labelText: String? {
        switch self {
        case .string(let text): return text
        case .number(let number):
            if number.rounded() == number, abs(number) < 1e15 { return String(Int64(number)) }
            return "\(number)"
        case .bool(let flag): return flag ? "true" : "false"
        default: return nil
        }
    }
}
