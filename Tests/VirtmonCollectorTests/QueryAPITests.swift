import Foundation
import Testing
import VirtmonModel
import VirtmonStorage

@Suite("Query API")
struct QueryAPITests {
    /// Posts Ceilometer-format samples as an admin.
    func post(_ collector: CollectorHarness, meter: String, _ samples: [[String: JSONValue]], token: String = CollectorHarness.adminToken) async throws -> (status: Int, json: JSONValue?, text: String) {
        try await collector.request(.POST, "/v2/meters/\(meter)", token: token, body: Data(WireJSON.encode(.array(samples.map(JSONValue.object)))))
    }

    @Test("tokens: none or wrong is 401, a project token sees only its project, another project's resource is 404")
    func auth() async throws {
        let collector = try await CollectorHarness()
        defer { Task { await collector.stop() } }
        let now = WireTimestamp.format(Date())
        for (resource, project) in [("vm-1", "p1"), ("vm-2", "p2")] {
            let answer = try await post(collector, meter: "cpu_util", [[
                "counter_type": "gauge", "counter_unit": "%", "counter_volume": "12.5", "resource_id": .string(resource),
                "project_id": .string(project), "timestamp": .string(now),
            ]])
            #expect(answer.status == 200, "\(answer.text)")
        }
        let missing = try await collector.request(.GET, "/v2/meters", token: nil)
        #expect(missing.status == 401)
        #expect(missing.text.contains("faultstring"))
        #expect(try await collector.request(.GET, "/v2/meters", token: "nope").status == 401)
        #expect(try await collector.request(.GET, "/api/v1/resources", token: "nope").status == 401)

        let asP1 = try await collector.request(.GET, "/v2/resources", token: "p1-token")
        guard case .array(let resources)? = asP1.json else { Issue.record("\(asP1.text)"); return }
        #expect(resources.count == 1)
        #expect(asP1.text.contains("vm-1") && !asP1.text.contains("vm-2"))
        #expect(try await collector.request(.GET, "/v2/resources/vm-2", token: "p1-token").status == 404)
        #expect(try await collector.request(.GET, "/v2/resources/vm-2", token: "p2-token").status == 200)
        #expect(try await collector.request(.GET, "/v2/meters/cpu_util/statistics", token: "p1-token").text.contains("\"count\":1"))
        #expect(try await collector.request(.GET, "/v2/resources", token: CollectorHarness.adminToken).text.contains("vm-2"))

        // A project token posts into its own project only.
        let forced = try await post(collector, meter: "cpu_util", [[
            "counter_type": "gauge", "counter_unit": "%", "counter_volume": 1, "resource_id": "vm-3",
        ]], token: "p1-token")
        #expect(forced.status == 200)
        #expect(forced.text.contains("\"project_id\":\"p1\""))
        let foreign = try await post(collector, meter: "cpu_util", [[
            "counter_type": "gauge", "counter_unit": "%", "counter_volume": 1, "resource_id": "vm-3", "project_id": "p2",
        ]], token: "p1-token")
        #expect(foreign.status == 403)
    }

    @Test("bad queries and bad posted samples get a 400 that says what was wrong")
    func badRequests() async throws {
        let collector = try await CollectorHarness()
        defer { Task { await collector.stop() } }
        let cases: [(String, String)] = [
            ("/v2/meters/x/statistics?period=abc", "period"),
            ("/v2/meters/x/statistics?groupby=timestamp", "cannot group by"),
            ("/v2/meters/x/statistics?aggregate.func=median", "unknown aggregate"),
            ("/v2/samples?q.field=timestamp&q.op=gt&q.value=yesterday", "timestamp"),
            ("/v2/samples?q.field=resource_id&q.op=like&q.value=x", "unknown operator"),
            ("/v2/samples?q.field=colour&q.value=x", "unknown field"),
            ("/v2/samples?limit=-1", "limit"),
        ]
        for (path, words) in cases {
            let answer = try await collector.request(.GET, path)
            #expect(answer.status == 400, "\(path)")
            #expect(answer.text.contains(words), "\(path): \(answer.text)")
        }
        let noType = try await post(collector, meter: "m", [["counter_unit": "B", "counter_volume": 1, "resource_id": "r"]])
        #expect(noType.status == 400 && noType.text.contains("counter_type"))
        let badVolume = try await post(collector, meter: "m", [["counter_type": "gauge", "counter_unit": "B", "counter_volume": "lots", "resource_id": "r"]])
        #expect(badVolume.status == 400 && badVolume.text.contains("counter_volume"))
        let wrongName = try await post(collector, meter: "m", [["counter_name": "other", "counter_type": "gauge", "counter_unit": "B", "counter_volume": 1, "resource_id": "r"]])
        #expect(wrongName.status == 400 && wrongName.text.contains("differs"))
        let notJSON = try await collector.request(.POST, "/v2/meters/m", body: Data("{{{".utf8))
        #expect(notJSON.status == 400)
        #expect(try await collector.request(.GET, "/v2/resources/nothing").status == 404)
    }

    @Test("statistics over HTTP equal an independent recomputation for every period and group")
    func exactStatistics() async throws {
        let collector = try await CollectorHarness()
        defer { Task { await collector.stop() } }
        var generator = SystemRandomNumberGenerator()
        let base = Date().addingTimeInterval(-3 * 3600)
        struct Raw { var resource: String; var project: String; var micros: Int64; var volume: Double }
        var raw: [Raw] = []
        var posts: [[String: JSONValue]] = []
        for _ in 0..<2000 {
            let resource = "vm-\(Int.random(in: 0..<4, using: &generator))"
            let project = "p\(Int.random(in: 1...2, using: &generator))"
            let micros = microseconds(base) + Int64.random(in: 0..<(3 * 3600 * 1_000_000), using: &generator)
            let volume = Double(Int.random(in: -100_000...100_000, using: &generator)) / 64
            raw.append(Raw(resource: resource, project: project, micros: micros, volume: volume))
            posts.append([
                "counter_type": "gauge", "counter_unit": "%", "counter_volume": .number(volume), "resource_id": .string(resource),
                "project_id": .string(project), "timestamp": .string(WireTimestamp.format(dateFromMicroseconds(micros))),
            ])
        }
        for chunk in stride(from: 0, to: posts.count, by: 500) {
            #expect(try await post(collector, meter: "exact", Array(posts[chunk..<min(chunk + 500, posts.count)])).status == 200)
        }
        let answer = try await collector.request(.GET, "/v2/meters/exact/statistics?period=600&groupby=resource_id&groupby=project_id")
        guard case .array(let rows)? = answer.json else { Issue.record("\(answer.text)"); return }

        let start = raw.map(\.micros).min()!
        struct Key: Hashable { var resource: String; var project: String; var bucket: Int64 }
        let expected = Dictionary(grouping: raw) { Key(resource: $0.resource, project: $0.project, bucket: ($0.micros - start) / 600_000_000) }
        #expect(rows.count == expected.count)
        var checked = 0
        for row in rows {
            guard case .object(let fields) = row, case .object(let group)? = fields["groupby"],
                  case .string(let resource)? = group["resource_id"], case .string(let project)? = group["project_id"],
                  case .string(let periodStart)? = fields["period_start"], let periodDate = QueryValue.parseDate(periodStart)
            else { Issue.record("row shape: \(row)"); continue }
            let bucket = (microseconds(periodDate) - start) / 600_000_000
            guard let members = expected[Key(resource: resource, project: project, bucket: bucket)] else {
                Issue.record("unexpected group \(resource) \(project) \(bucket)")
                continue
            }
            let volumes = members.map(\.volume)
            let sum = volumes.reduce(0, +)
            #expect(fields["count"] == .number(Double(volumes.count)))
            #expect(fields["min"] == .number(volumes.min()!))
            #expect(fields["max"] == .number(volumes.max()!))
            // Multiples of 1/64 sum exactly in a double, so sum and average must match to the last bit.
            #expect(fields["sum"] == .number(sum))
            #expect(fields["avg"] == .number(sum / Double(volumes.count)))
            #expect(fields["period"] == 600)
            checked += 1
        }
        #expect(checked == expected.count)

        // The own API's column layout: the same figures, one object per group, periods in order.
        let series = try await collector.request(.GET, "/api/v1/statistics?meter=exact&period=600&groupby=resource_id&groupby=project_id&layout=series")
        guard case .object(let body)? = series.json, case .array(let groups)? = body["series"] else { Issue.record("\(series.text)"); return }
        #expect(body["meter"] == "exact" && body["period"] == 600)
        var cells = 0
        for group in groups {
            guard case .object(let fields) = group, case .object(let by)? = fields["groupby"],
                  case .string(let resource)? = by["resource_id"], case .string(let project)? = by["project_id"],
                  case .array(let starts)? = fields["period_start"], fields["unit"] == "%"
            else { Issue.record("series shape: \(group)"); continue }
            let buckets = starts.compactMap { cell -> Int64? in
                guard case .number(let seconds) = cell else { return nil }
                return (Int64((seconds * 1_000_000).rounded()) - start) / 600_000_000
            }
            #expect(buckets == buckets.sorted() && buckets.count == starts.count)
            for (index, bucket) in buckets.enumerated() {
                guard let members = expected[Key(resource: resource, project: project, bucket: bucket)] else {
                    Issue.record("unexpected series cell \(resource) \(project) \(bucket)")
                    continue
                }
                let volumes = members.map(\.volume)
                let sum = volumes.reduce(0, +)
                let column = { (name: String) -> JSONValue? in
                    guard case .array(let values)? = fields[name], index < values.count else { return nil }
                    return values[index]
                }
                #expect(column("count") == .number(Double(volumes.count)) && column("sum") == .number(sum))
                #expect(column("min") == .number(volumes.min()!) && column("max") == .number(volumes.max()!))
                #expect(column("avg") == .number(sum / Double(volumes.count)))
                cells += 1
            }
        }
        #expect(cells == expected.count)
        let averages = try await collector.request(.GET, "/api/v1/statistics?meter=exact&period=600&layout=series&aggregate=avg")
        guard case .object(let only)? = averages.json, case .array(let single)? = only["series"], case .object(let columns)? = single.first
        else { Issue.record("\(averages.text)"); return }
        #expect(Set(columns.keys) == ["groupby", "unit", "period_start", "avg"])
        let wrong = try await collector.request(.GET, "/api/v1/statistics?meter=exact&layout=table")
        #expect(wrong.status == 400 && wrong.text.contains("layout must be rows or series, not 'table'"))
        print("statistics exactness: \(raw.count) samples, \(checked) period×group rows and \(cells) series cells, count/min/max/sum/avg all equal to the recomputation")
    }
}
