import Foundation
import VirtmonModel

/// One series of the text exposition: a family's name, type and help, its labels and latest value.
public struct ExpositionSeries: Sendable, Hashable {
    public var family: String
    public var kind: ExposedMeter.Kind
    public var help: String
    /// Sorted by name, names unique.
    public var labels: [Label]
    public var value: Double
    /// Milliseconds since the epoch, only when the exposition carries timestamps.
    public var timestampMs: Int64?
    /// What follows the family's name on this series' line: `_sum`, `_count` or `_bucket` of a summary or
    /// histogram, else nothing.
    public var suffix = ""

    public struct Label: Sendable, Hashable {
        public var name: String
        public var value: String
        public init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }
}

/// Prometheus's text format (version 0.0.4): one HELP and TYPE per family, a family's series together, label
/// values escaped, a final newline — what `promtool check metrics` accepts.
public enum Exposition {
    /// The content type the format is served with.
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    /// The series `samples` become through the name table, with `extraLabels` on each unless the family sets
    /// that label itself. Two samples landing on one series (the same family and labels) keep the newer.
    public static func series(
        from samples: [Sample], extraLabels: (Sample) -> [(String, String)] = { _ in [] }, timestamps: Bool
    ) -> [ExpositionSeries] {
        var byKey: [SeriesIdentity: ExpositionSeries] = [:]
        byKey.reserveCapacity(samples.count)
        for sample in samples {
            let extra = extraLabels(sample)
            for exposed in PrometheusNames.families(for: sample) {
                let sorted = labels(exposed, of: sample, extra: extra)
                let value = exposed.value(of: sample)
                let series = ExpositionSeries(
                    family: exposed.family, kind: exposed.kind, help: exposed.help, labels: sorted, value: value,
                    timestampMs: timestamps ? milliseconds(sample.timestamp) : nil)
                let key = SeriesIdentity(family: exposed.family, labels: sorted)
                if let existing = byKey[key], existing.timestampMs ?? 0 > series.timestampMs ?? 0 { continue }
                byKey[key] = series
            }
        }
        return Array(byKey.values)
    }

    /// The labels `exposed` gives `sample`: the table's, a remote-written sample's own, then each of `extra` the
    /// family does not set itself; empty values left out, names made valid, sorted by name. The exposition and
    /// remote-write out both label series through this.
    static func labels(_ exposed: ExposedMeter, of sample: Sample, extra: [(String, String)]) -> [ExpositionSeries.Label] {
        var labels = exposed.labels(of: sample)
        if RemoteWriteMapping.isRemoteWritten(sample) { labels += RemoteWriteMapping.labels(of: sample) }
        var names = Set(labels.map(\.0))
        for (name, value) in extra where !names.contains(name) {
            labels.append((name, value))
            names.insert(name)
        }
        return labels.filter { !$0.1.isEmpty }.sorted { $0.0 < $1.0 }.map { ExpositionSeries.Label(PrometheusNames.labelName($0.0), $0.1) }
    }

    /// A time as Prometheus stamps samples: milliseconds since the epoch.
    public static func milliseconds(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1000).rounded())
    }

    private struct SeriesIdentity: Hashable {
        var family: String
        var labels: [ExpositionSeries.Label]
    }

    /// The text of `series`, families sorted by name and series by labels.
    public static func render(_ series: [ExpositionSeries]) -> String {
        let families = Dictionary(grouping: series, by: \.family)
        var out = ""
        out.reserveCapacity(series.count * 96)
        for name in families.keys.sorted() {
            guard let members = families[name], let first = members.first else { continue }
            out += "# HELP \(name) \(escapeHelp(first.help))\n# TYPE \(name) \(first.kind.rawValue)\n"
            for member in members.sorted(by: { ($0.suffix, 0) < ($1.suffix, 0) || ($0.suffix == $1.suffix && labelOrder($0.labels, $1.labels)) }) {
                out += name
                out += member.suffix
                if !member.labels.isEmpty {
                    out += "{"
                    for (index, label) in member.labels.enumerated() {
                        if index > 0 { out += "," }
                        out += label.name
                        out += "=\""
                        out += escapeValue(label.value)
                        out += "\""
                    }
                    out += "}"
                }
                out += " "
                out += format(member.value)
                if let time = member.timestampMs { out += " \(time)" }
                out += "\n"
            }
        }
        return out
    }

    /// Summaries and histograms that arrived as plain series (remote-write carries no types) put back
    /// together: `F{quantile}` with `F_sum` and `F_count` is summary F; `F_bucket{le}` with `F_sum` and `F_count`
    /// is histogram F. Everything else is left as it is.
    public static func regroupingSummariesAndHistograms(_ series: [ExpositionSeries]) -> [ExpositionSeries] {
        let names = Set(series.map(\.family))
        var kinds: [String: ExposedMeter.Kind] = [:]
        for one in series {
            if one.labels.contains(where: { $0.name == "quantile" }), names.contains(one.family + "_sum"), names.contains(one.family + "_count") {
                kinds[one.family] = .summary
            } else if one.family.hasSuffix("_bucket"), one.labels.contains(where: { $0.name == "le" }) {
                let base = String(one.family.dropLast("_bucket".count))
                if names.contains(base + "_sum"), names.contains(base + "_count") { kinds[base] = .histogram }
            }
        }
        guard !kinds.isEmpty else { return series }
        return series.map { one in
            var one = one
            if let kind = kinds[one.family] {
                one.kind = kind
                return one
            }
            for suffix in ["_sum", "_count", "_bucket"] where one.family.hasSuffix(suffix) {
                let base = String(one.family.dropLast(suffix.count))
                guard let kind = kinds[base], suffix != "_bucket" || kind == .histogram else { continue }
                one.family = base
                one.suffix = suffix
                one.kind = kind
                return one
            }
            return one
        }
    }

    private static func labelOrder(_ a: [ExpositionSeries.Label], _ b: [ExpositionSeries.Label]) -> Bool {
        for (x, y) in zip(a, b) {
            if x.name != y.name { return x.name < y.name }
            if x.value != y.value { return x.value < y.value }
        }
        return a.count < b.count
    }

    /// A value as Prometheus writes one: whole numbers without a fraction, NaN and ±Inf by name.
    public static func format(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        if value.rounded() == value, abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }

    static func escapeValue(_ text: String) -> String {
        guard text.contains(where: { $0 == "\\" || $0 == "\"" || $0 == "\n" }) else { return text }
        var out = ""
        for character in text {
            switch character {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.append(character)
            }
        }
        return out
    }

    static func escapeHelp(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\n", with: "\\n")
    }
}
