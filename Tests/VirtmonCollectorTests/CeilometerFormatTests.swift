import Foundation
import Testing
@testable import VirtmonAPI
import VirtmonModel
import VirtmonStorage

@Suite("Ceilometer format")
struct CeilometerFormatTests {
    @Test("statistics rows written straight to bytes equal the generic encoder's output")
    func statisticsBody() {
        let start = Date(timeIntervalSince1970: 1_795_132_800.25)
        let rows = [
            StatisticsRow(
                groupBy: ["resource_id": "vm-1", "project_id": nil], count: 3, sum: 7.5, min: 0.125, max: 5, stddev: 1.5,
                cardinality: ["user_id": 2], durationStart: start, durationEnd: start.addingTimeInterval(20.5),
                periodStart: start, periodEnd: start.addingTimeInterval(300), period: 300, unit: "%\"quoted\""),
            StatisticsRow(
                groupBy: [:], count: 1, sum: -1e300, min: -1e300, max: -1e300, stddev: 0, cardinality: [:],
                durationStart: start, durationEnd: start, periodStart: start, periodEnd: start, period: 0, unit: "B"),
        ]
        for aggregates in [[], [Aggregate(.stddev), Aggregate(.avg), Aggregate(.cardinality, parameter: .userID)]] {
            let generic = WireJSON.encode(.array(rows.map { CeilometerFormat.statistics($0, aggregates: aggregates) }))
            #expect(CeilometerFormat.statisticsBody(rows, aggregates: aggregates) == generic)
            #expect(CeilometerFormat.statisticsBody([], aggregates: aggregates) == Array("[]".utf8))
            // The own API's form: the same rows with the zone letter on every timestamp.
            let zoned = WireJSON.encode(.array(rows.map { row -> JSONValue in
                guard case .object(var object) = CeilometerFormat.statistics(row, aggregates: aggregates) else { return .null }
                for key in ["duration_start", "duration_end", "period_start", "period_end"] {
                    if case .string(let text)? = object[key] { object[key] = .string(text + "Z") }
                }
                return .object(object)
            }))
            #expect(CeilometerFormat.statisticsBody(rows, aggregates: aggregates, zoned: true) == zoned)
        }
    }
}
