import Foundation
import Testing
import VirtmonModel

/// Aodh's alarm API on the collector: the calls and answers python-ceilometerclient relies on, the refusals
/// naming their field, and project isolation.
@Suite("Alarm API")
struct AlarmAPITests {
    static func body(_ json: String) -> Data { Data(json.utf8) }

    static let hot = """
        {"name": "hot", "type": "threshold", "description": "cpu over 90",
         "threshold_rule": {"meter_name": "cpu_util", "threshold": 90, "comparison_operator": "gt", "statistic": "avg",
                            "period": 60, "evaluation_periods": 3, "query": [{"field": "resource_id", "op": "eq", "value": "vm-1"}]},
         "alarm_actions": ["http://127.0.0.1:9/hook"], "severity": "critical", "repeat_actions": false}
        """

    @Test("create 201 + Location, show, list with filters, update with read-only fields, state, history, delete 204")
    func lifecycle() async throws {
        let collector = try await CollectorHarness()
        defer { Task { await collector.stop() } }
        let created = try await collector.exchange(.POST, "/v2/alarms", body: Self.body(Self.hot))
        #expect(created.status == 201, "\(created.text)")
        guard case .object(let alarm)? = created.json, case .string(let id)? = alarm["alarm_id"] else {
            Issue.record("no alarm in \(created.text)")
            return
        }
        #expect(created.headers["Location"].first == "\(collector.base)/v2/alarms/\(id)")
        #expect(alarm["state"] == "insufficient data" && alarm["state_reason"] == "Not evaluated yet" && alarm["enabled"] == .bool(true))
        if case .object(let rule)? = alarm["threshold_rule"] {
            #expect(rule["meter_name"] == "cpu_util" && rule["comparison_operator"] == "gt" && rule["evaluation_periods"] == .number(3))
        } else {
            Issue.record("no threshold_rule: \(created.text)")
        }

        let shown = try await collector.request(.GET, "/v2/alarms/\(id)")
        #expect(shown.status == 200 && shown.json == created.json)
        let named = try await collector.request(.GET, "/v2/alarms?q.field=name&q.op=eq&q.value=hot")
        #expect(named.text.contains(id) && named.text.hasPrefix("[{"), "\(named.text)")
        #expect(try await collector.request(.GET, "/v2/alarms?q.field=state&q.value=alarm").json == .array([]))
        #expect(try await collector.request(.GET, "/v2/alarms?q.field=meter&q.value=cpu_util").text.contains(id))

        // alarm-update: GET, change, PUT the whole thing back, read-only fields included.
        guard case .object(var update)? = shown.json else { return }
        update["description"] = "cpu over 95"
        update["severity"] = "moderate"
        let put = try await collector.request(.PUT, "/v2/alarms/\(id)", body: Data(WireJSON.encode(.object(update))))
        #expect(put.status == 200 && put.text.contains(#""severity":"moderate""#), "\(put.text)")

        #expect(try await collector.request(.GET, "/v2/alarms/\(id)/state").json == "insufficient data")
        let set = try await collector.request(.PUT, "/v2/alarms/\(id)/state", body: Self.body("\"alarm\""))
        #expect(set.status == 200 && set.json == "alarm", "\(set.text)")
        #expect(try await collector.request(.GET, "/v2/alarms/\(id)/state").json == "alarm")
        let badState = try await collector.request(.PUT, "/v2/alarms/\(id)/state", body: Self.body("\"burning\""))
        #expect(badState.status == 400 && badState.text.contains("ok"), "\(badState.text)")

        let history = try await collector.request(.GET, "/v2/alarms/\(id)/history")
        guard case .array(let rows)? = history.json else { Issue.record("\(history.text)"); return }
        let kinds = rows.compactMap { row -> String? in if case .object(let o) = row, case .string(let t)? = o["type"] { t } else { nil } }
        #expect(kinds == ["state transition", "rule change", "creation"], "newest first: \(kinds)")
        if case .object(let transition) = rows[0], case .string(let detail)? = transition["detail"] {
            #expect(detail.contains("\"state\":\"alarm\"") && detail.contains("Manually set via API"), "\(detail)")
        }
        if case .object(let change) = rows[1], case .string(let detail)? = change["detail"] {
            #expect(detail.contains("cpu over 95") && !detail.contains("alarm_id"), "only the changed keys: \(detail)")
        }
        let later = try await collector.request(.GET, "/v2/alarms/\(id)/history?q.field=timestamp&q.op=gt&q.value=2999-01-01T00:00:00")
        #expect(later.json == .array([]))

        let deleted = try await collector.request(.DELETE, "/v2/alarms/\(id)")
        #expect(deleted.status == 204 && deleted.text.isEmpty)
        #expect(try await collector.request(.GET, "/v2/alarms/\(id)").status == 404)
        #expect(try await collector.request(.DELETE, "/v2/alarms/\(id)").status == 404)
    }

    @Test("refusals name the field: no rule, two rules, a bad operator or statistic, no meter, a bad time constraint")
    func refusals() async throws {
        let collector = try await CollectorHarness()
        defer { Task { await collector.stop() } }
        let cases: [(String, String)] = [
            (#"{"name": "x", "type": "threshold"}"#, "a threshold alarm needs threshold_rule"),
            (#"{"name": "x", "type": "threshold", "threshold_rule": {"meter_name": "m", "threshold": 1}, "event_rule": {}}"#, "an alarm has one rule"),
            (#"{"name": "x", "type": "threshold", "threshold_rule": {"meter_name": "m", "threshold": 1, "comparison_operator": "gte"}}"#, "threshold_rule.comparison_operator must be lt, le, eq, ne, ge or gt, not 'gte'"),
            (#"{"name": "x", "type": "threshold", "threshold_rule": {"meter_name": "m", "threshold": 1, "statistic": "median"}}"#, "threshold_rule.statistic must be"),
            (#"{"name": "x", "type": "threshold", "threshold_rule": {"threshold": 1}}"#, "threshold_rule.meter_name is required"),
            (#"{"name": "x", "type": "gauge", "threshold_rule": {}}"#, "type must be threshold, composite or event"),
            (#"{"type": "threshold", "threshold_rule": {"meter_name": "m", "threshold": 1}}"#, "name is required"),
            (#"{"name": "x", "type": "threshold", "threshold_rule": {"meter_name": "m", "threshold": 1, "period": 0}}"#, "threshold_rule.period must be a whole number from 1"),
            (#"{"name": "x", "type": "threshold", "threshold_rule": {"meter_name": "m", "threshold": 1}, "time_constraints": [{"name": "n", "start": "every day", "duration": 60}]}"#, "time_constraints[0].start must be a cron expression"),
            (#"{"name": "x", "type": "threshold", "threshold_rule": {"meter_name": "m", "threshold": 1}, "alarm_actions": ["ftp://x"]}"#, "alarm_actions: each action is a URL with scheme http, https, log or alertmanager"),
            (#"{"name": "x", "type": "composite", "composite_rule": {"and": []}}"#, "composite_rule.and must be a non-empty list of rules"),
            ("[1]", "the alarm must be a JSON object"),
        ]
        for (body, message) in cases {
            let answer = try await collector.request(.POST, "/v2/alarms", body: Self.body(body))
            #expect(answer.status == 400, "\(body): \(answer.status) \(answer.text)")
            #expect(answer.text.contains(message), "\(body): \(answer.text)")
            #expect(answer.text.contains("faultstring"), "Aodh's error shape")
        }
        let unknownMeter = try await collector.request(.POST, "/v2/alarms", body: Self.body(#"{"name": "later", "type": "threshold", "threshold_rule": {"meter_name": "not.yet", "threshold": 1}}"#))
        #expect(unknownMeter.status == 201, "a meter with no samples yet is allowed: \(unknownMeter.text)")
        let composite = try await collector.request(.POST, "/v2/alarms", body: Self.body(#"{"name": "both", "type": "composite", "composite_rule": {"or": [{"meter_name": "a", "threshold": 1}, {"and": [{"meter_name": "b", "threshold": 2, "type": "threshold"}]}]}}"#))
        #expect(composite.status == 201 && composite.text.contains("\"or\""), "\(composite.text)")
    }

    @Test("a project token sees and changes only its project's alarms; its threshold rule is confined to its project")
    func projects() async throws {
        let collector = try await CollectorHarness()
        defer { Task { await collector.stop() } }
        let mine = try await collector.request(.POST, "/v2/alarms", token: "p1-token", body: Self.body(Self.hot))
        #expect(mine.status == 201)
        guard case .object(let alarm)? = mine.json, case .string(let id)? = alarm["alarm_id"] else { return }
        #expect(alarm["project_id"] == "p1")
        #expect(mine.text.contains(#"{"field":"project_id","op":"eq","type":"","value":"p1"}"#), "\(mine.text)")
        let admins = try await collector.request(.POST, "/v2/alarms", body: Self.body(Self.hot.replacingOccurrences(of: "\"hot\"", with: "\"admins\"")))
        guard case .object(let adminAlarm)? = admins.json, case .string(let adminID)? = adminAlarm["alarm_id"] else { return }

        #expect(try await collector.request(.GET, "/v2/alarms", token: "p1-token").text.contains(id))
        #expect(!(try await collector.request(.GET, "/v2/alarms", token: "p1-token").text.contains(adminID)))
        for token in ["p2-token"] {
            #expect(try await collector.request(.GET, "/v2/alarms", token: token).json == .array([]))
            #expect(try await collector.request(.GET, "/v2/alarms/\(id)", token: token).status == 404)
            #expect(try await collector.request(.PUT, "/v2/alarms/\(id)/state", token: token, body: Self.body("\"ok\"")).status == 404)
            #expect(try await collector.request(.DELETE, "/v2/alarms/\(id)", token: token).status == 404)
            #expect(try await collector.request(.GET, "/v2/alarms/\(id)/history", token: token).status == 404)
        }
        // A project cannot move its alarm into another project by saying so.
        guard case .object(var update)? = mine.json else { return }
        update["project_id"] = "p2"
        let moved = try await collector.request(.PUT, "/v2/alarms/\(id)", token: "p1-token", body: Data(WireJSON.encode(.object(update))))
        #expect(moved.status == 200 && moved.text.contains(#""project_id":"p1""#), "\(moved.text)")
        #expect(try await collector.request(.GET, "/v2/alarms", token: "admin-token-123").text.contains(id), "admin sees every project's")
    }

    @Test("complex queries over alarms and their history: and/or/not, comparisons, orderby, limit; unknown fields refused")
    func complexQueries() async throws {
        let collector = try await CollectorHarness()
        defer { Task { await collector.stop() } }
        var ids: [String] = []
        for name in ["alpha", "beta", "gamma"] {
            let created = try await collector.request(.POST, "/v2/alarms", body: Self.body(Self.hot.replacingOccurrences(of: "\"hot\"", with: "\"\(name)\"")))
            if case .object(let alarm)? = created.json, case .string(let id)? = alarm["alarm_id"] { ids.append(id) }
        }
        #expect(try await collector.request(.PUT, "/v2/alarms/\(ids[1])/state", body: Self.body("\"alarm\"")).status == 200)
        func names(_ body: String, _ path: String = "/v2/query/alarms") async throws -> [String] {
            let answer = try await collector.request(.POST, path, body: Self.body(body))
            guard case .array(let list)? = answer.json else { Issue.record("\(answer.status) \(answer.text)"); return [] }
            return list.compactMap { if case .object(let o) = $0, case .string(let n)? = o["name"] ?? o["type"] { n } else { nil } }
        }
        #expect(try await names(#"{"filter": "{\"=\": {\"state\": \"alarm\"}}"}"#) == ["beta"])
        #expect(try await names(#"{"filter": {"not": {"=": {"state": "alarm"}}}, "orderby": "[{\"name\": \"desc\"}]"}"#) == ["gamma", "alpha"])
        #expect(try await names(#"{"filter": {"or": [{"=": {"name": "alpha"}}, {"in": {"name": ["gamma"]}}]}, "orderby": [{"name": "asc"}], "limit": "1"}"#) == ["alpha"])
        #expect(try await names(#"{"filter": {"and": [{">": {"timestamp": "2000-01-01T00:00:00"}}, {"=": {"enabled": true}}]}}"#).count == 3)
        let unknown = try await collector.request(.POST, "/v2/query/alarms", body: Self.body(#"{"filter": {"=": {"colour": "red"}}}"#))
        #expect(unknown.status == 400 && unknown.text.contains("cannot filter or order on 'colour'; the fields are"), "\(unknown.text)")
        let history = try await names(#"{"filter": {"=": {"type": "state transition"}}}"#, "/v2/query/alarms/history")
        #expect(history == ["state transition"])
        #expect(try await names(#"{"filter": {"=": {"alarm_id": "\#(ids[0])"}}}"#, "/v2/query/alarms/history") == ["creation"])
        #expect(try await names(#"{}"#, "/v2/query/alarms/history").count == 4, "three creations and a transition")
    }
}
