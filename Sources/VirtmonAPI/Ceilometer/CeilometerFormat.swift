import Foundation
import VirtmonModel
import VirtmonStorage

/// Storage records in the shapes Ceilometer's v2 API answers with.
enum CeilometerFormat {
    /// Ceilometer writes naive UTC ISO 8601 with microseconds and no zone.
    static func timestamp(_ date: Date) -> JSONValue {
        .string(String(WireTimestamp.format(date).dropLast()))
    }

    /// The old sample shape of `GET /v2/meters/NAME` (counter_* fields).
    static func oldSample(_ stored: StoredSample) -> JSONValue {
        let sample = stored.sample
        return .object([
            "counter_name": .string(sample.name), "counter_type": .string(sample.type.rawValue),
            "counter_unit": .string(sample.unit), "counter_volume": .number(sample.volume),
            "user_id": .optional(sample.userID), "project_id": .optional(sample.projectID),
            "resource_id": .string(sample.resourceID), "timestamp": timestamp(sample.timestamp),
            "recorded_at": timestamp(stored.recordedAt), "resource_metadata": .object(sample.resourceMetadata),
            "source": .string(sample.source), "message_id": .string(sample.messageID),
        ])
    }

    /// The sample shape of `GET /v2/samples`.
    static func sample(_ stored: StoredSample) -> JSONValue {
        let sample = stored.sample
        return .object([
            "id": .string(sample.messageID), "meter": .string(sample.name), "type": .string(sample.type.rawValue),
            "unit": .string(sample.unit), "volume": .number(sample.volume), "user_id": .optional(sample.userID),
            "project_id": .optional(sample.projectID), "resource_id": .string(sample.resourceID),
            "timestamp": timestamp(sample.timestamp), "recorded_at": timestamp(stored.recordedAt),
            "source": .string(sample.source), "metadata": .object(sample.resourceMetadata),
        ])
    }

    static func meter(_ meter: MeterRecord) -> JSONValue {
        .object([
            "name": .string(meter.name), "type": .string(meter.type.rawValue), "unit": .string(meter.unit),
            "resource_id": .string(meter.resourceID), "project_id": .optional(meter.projectID),
            "user_id": .optional(meter.userID), "source": .string(meter.source),
            "meter_id": .string(Data("\(meter.resourceID)+\(meter.name)".utf8).base64EncodedString()),
        ])
    }

    static func resource(_ resource: ResourceRecord, base: String, links: Bool = true) -> JSONValue {
        let escaped = resource.resourceID.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(["/"])) ?? resource.resourceID
        var linkList: [JSONValue] = [.object(["href": .string("\(base)/v2/resources/\(escaped)"), "rel": "self"])]
        if links {
            for meter in resource.meters {
                linkList.append(.object([
                    "href": .string("\(base)/v2/meters/\(meter)?q.field=resource_id&q.value=\(escaped)"),
                    "rel": .string(meter),
                ]))
            }
        }
        return .object([
            "resource_id": .string(resource.resourceID), "project_id": .optional(resource.projectID),
            "user_id": .optional(resource.userID), "source": .string(resource.source),
            "first_sample_timestamp": timestamp(resource.firstSample),
            "last_sample_timestamp": timestamp(resource.lastSample),
            "metadata": .object(resource.metadata), "links": .array(linkList),
        ])
    }

    static func statistics(_ row: StatisticsRow, aggregates: [Aggregate]) -> JSONValue {
        var object: [String: JSONValue] = [
            "avg": .number(row.avg), "count": .number(Double(row.count)), "max": .number(row.max),
            "min": .number(row.min), "sum": .number(row.sum), "unit": .string(row.unit),
            "duration": .number(row.duration), "duration_start": timestamp(row.durationStart),
            "duration_end": timestamp(row.durationEnd), "period": .number(Double(row.period)),
            "period_start": timestamp(row.periodStart), "period_end": timestamp(row.periodEnd),
            "groupby": row.groupBy.isEmpty ? .null : .object(row.groupBy.mapValues { .optional($0) }),
        ]
        if !aggregates.isEmpty {
            var values: [String: JSONValue] = [:]
            for aggregate in aggregates { values[aggregate.description] = .number(row.value(of: aggregate)) }
            object["aggregate"] = .object(values)
        }
        return .object(object)
    }

    /// A row's `groupby` object, keys sorted (null without groupby); the row and series layouts share it.
    static func append(groupBy: [String: String?], to out: inout [UInt8]) {
        guard !groupBy.isEmpty else { return out.append(contentsOf: "null".utf8) }
        out.append(UInt8(ascii: "{"))
        for (position, name) in groupBy.keys.sorted().enumerated() {
            if position > 0 { out.append(UInt8(ascii: ",")) }
            WireJSON.append(string: name, to: &out)
            out.append(UInt8(ascii: ":"))
            if let value = groupBy[name] ?? nil { WireJSON.append(string: value, to: &out) } else { out.append(contentsOf: "null".utf8) }
        }
        out.append(UInt8(ascii: "}"))
    }

    /// Statistics rows as the JSON array `statistics` would encode to, written straight into bytes (keys in
    /// the same sorted order): a day of five-minute rows for 200 resources spent most of its time building and
    /// sorting per-row dictionaries.
    /// `zoned`: timestamps keep their `Z`, as virtmon's own API writes them.
    static func statisticsBody(_ rows: [StatisticsRow], aggregates: [Aggregate], zoned: Bool = false) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(rows.count * 400)
        out.append(UInt8(ascii: "["))
        func key(_ name: StaticString) {
            out.append(UInt8(ascii: "\""))
            name.withUTF8Buffer { out.append(contentsOf: $0) }
            out.append(contentsOf: "\":".utf8)
        }
        func number(_ name: StaticString, _ value: Double) {
            key(name)
            WireJSON.append(number: value, to: &out)
            out.append(UInt8(ascii: ","))
        }
        func time(_ name: StaticString, _ date: Date) {
            key(name)
            // Ceilometer's form has no zone letter; the text needs no escape.
            out.append(UInt8(ascii: "\""))
            WireTimestamp.append(date, to: &out)
            if zoned { out.append(UInt8(ascii: "\"")) } else { out[out.count - 1] = UInt8(ascii: "\"") }
            out.append(UInt8(ascii: ","))
        }
        let sortedAggregates = aggregates.map { ($0.description, $0) }.sorted { $0.0.utf8.lexicographicallyPrecedes($1.0.utf8) }
        for (index, row) in rows.enumerated() {
            out.append(contentsOf: index == 0 ? "{".utf8 : ",{".utf8)
            if !sortedAggregates.isEmpty {
                key("aggregate")
                out.append(UInt8(ascii: "{"))
                for (position, (name, aggregate)) in sortedAggregates.enumerated() {
                    if position > 0 { out.append(UInt8(ascii: ",")) }
                    WireJSON.append(string: name, to: &out)
                    out.append(UInt8(ascii: ":"))
                    WireJSON.append(number: row.value(of: aggregate), to: &out)
                }
                out.append(contentsOf: "},".utf8)
            }
            number("avg", row.avg)
            number("count", Double(row.count))
            number("duration", row.duration)
            time("duration_end", row.durationEnd)
            time("duration_start", row.durationStart)
            key("groupby")
            append(groupBy: row.groupBy, to: &out)
            out.append(UInt8(ascii: ","))
            number("max", row.max)
            number("min", row.min)
            number("period", Double(row.period))
            time("period_end", row.periodEnd)
            time("period_start", row.periodStart)
            number("sum", row.sum)
            key("unit")
            WireJSON.append(string: row.unit, to: &out)
            out.append(UInt8(ascii: "}"))
        }
        out.append(UInt8(ascii: "]"))
        return out
    }
}
