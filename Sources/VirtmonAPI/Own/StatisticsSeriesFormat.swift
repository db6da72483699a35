import Foundation
import VirtmonModel
import VirtmonStorage

/// The own API's `layout=series` answer to a statistics query: one object per group with its periods' values in
/// columns, as Prometheus's query_range gives one array of points per series. A row per period spells out eleven
/// keys and four timestamps for every value; 4,800 five-minute rows of 200 groups took 1.9 MB that way.
enum StatisticsSeriesFormat {
    /// `{"meter":…,"period":…,"series":[{"groupby":…,"unit":…,"period_start":[epoch seconds…],COLUMN:[…]…}]}`;
    /// the columns are the asked aggregates, else count, avg, min, max and sum. `rows` come grouped (as
    /// `StatisticsRow.sorted` leaves them), so a group's periods are consecutive.
    static func body(_ rows: [StatisticsRow], meter: String, period: Int64, aggregates: [Aggregate]) -> [UInt8] {
        let columns = aggregates.isEmpty ? [.count, .avg, .min, .max, .sum].map { Aggregate($0) } : aggregates
        var out: [UInt8] = []
        out.reserveCapacity(128 + rows.count * (12 + 16 * columns.count))
        out.append(contentsOf: "{\"meter\":".utf8)
        WireJSON.append(string: meter, to: &out)
        out.append(contentsOf: ",\"period\":".utf8)
        WireJSON.append(integer: period, to: &out)
        out.append(contentsOf: ",\"series\":[".utf8)
        var first = rows.startIndex
        while first < rows.endIndex {
            var end = first + 1
            while end < rows.endIndex && rows[end].groupBy == rows[first].groupBy { end += 1 }
            if first > rows.startIndex { out.append(UInt8(ascii: ",")) }
            append(group: rows[first..<end], columns: columns, to: &out)
            first = end
        }
        out.append(contentsOf: "]}".utf8)
        return out
    }

    private static func append(group: ArraySlice<StatisticsRow>, columns: [Aggregate], to out: inout [UInt8]) {
        let head = group[group.startIndex]
        out.append(contentsOf: "{\"groupby\":".utf8)
        CeilometerFormat.append(groupBy: head.groupBy, to: &out)
        out.append(contentsOf: ",\"unit\":".utf8)
        WireJSON.append(string: head.unit, to: &out)
        out.append(contentsOf: ",\"period_start\":[".utf8)
        for (position, row) in group.enumerated() {
            if position > 0 { out.append(UInt8(ascii: ",")) }
            WireJSON.append(number: row.periodStart.timeIntervalSince1970, to: &out)
        }
        out.append(UInt8(ascii: "]"))
        for column in columns {
            out.append(UInt8(ascii: ","))
            WireJSON.append(string: column.description, to: &out)
            out.append(contentsOf: ":[".utf8)
            for (position, row) in group.enumerated() {
                if position > 0 { out.append(UInt8(ascii: ",")) }
                WireJSON.append(number: row.value(of: column), to: &out)
            }
            out.append(UInt8(ascii: "]"))
        }
        out.append(UInt8(ascii: "}"))
    }
}
