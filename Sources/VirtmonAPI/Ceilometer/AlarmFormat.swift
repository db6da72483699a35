import Foundation
import VirtmonModel
import VirtmonRequests

/// Alarms in Aodh's JSON shape, both ways. Reading refuses what Aodh refuses (no rule, two rules, an unknown
/// operator or statistic), each time with a 400 that names the field; a meter that does not exist yet is
/// allowed, as in Aodh.
enum AlarmFormat {
    static let ruleKeys = ["threshold_rule", "composite_rule", "event_rule"]
    /// Keys an answer carries that a client may send back unchanged in a PUT (`alarm-update` does).
    static let readOnlyKeys: Set<String> = ["alarm_id", "state_timestamp", "state_reason", "timestamp"]

    // MARK: out

    static func alarm(_ alarm: Alarm) -> JSONValue {
        var object: [String: JSONValue] = [
            "alarm_id": .string(alarm.id), "name": .string(alarm.name), "description": .string(alarm.description),
            "type": .string(alarm.type), "enabled": .bool(alarm.enabled), "repeat_actions": .bool(alarm.repeatActions),
            "alarm_actions": .array(alarm.alarmActions.map(JSONValue.string)), "ok_actions": .array(alarm.okActions.map(JSONValue.string)),
            "insufficient_data_actions": .array(alarm.insufficientDataActions.map(JSONValue.string)),
            "severity": .string(alarm.severity.rawValue), "time_constraints": .array(alarm.timeConstraints.map(timeConstraint)),
            "state": .string(alarm.state.rawValue), "state_timestamp": CeilometerFormat.timestamp(alarm.stateTimestamp),
            "state_reason": .string(alarm.stateReason), "timestamp": CeilometerFormat.timestamp(alarm.timestamp),
            "project_id": alarm.projectID.map(JSONValue.string) ?? .null, "user_id": alarm.userID.map(JSONValue.string) ?? .null,
        ]
        object["\(alarm.type)_rule"] = rule(alarm.rule)
        return .object(object)
    }

    static func rule(_ rule: AlarmRule) -> JSONValue {
        switch rule {
        case .threshold(let threshold): self.threshold(threshold)
        case .composite(let composite): self.composite(composite)
        case .event(let event): .object(["event_type": .string(event.eventType), "query": .array(event.query.map(filter))])
        }
    }

    static func threshold(_ rule: ThresholdRule) -> JSONValue {
        .object([
            "meter_name": .string(rule.meterName), "threshold": .number(rule.threshold),
            "comparison_operator": .string(rule.comparison.rawValue), "statistic": .string(rule.statistic.rawValue),
            "period": .number(Double(rule.period)), "evaluation_periods": .number(Double(rule.evaluationPeriods)),
            "exclude_outliers": .bool(rule.excludeOutliers), "query": .array(rule.query.map(filter)),
        ])
    }

    static func composite(_ rule: CompositeRule) -> JSONValue {
        switch rule {
        case .and(let parts): return .object(["and": .array(parts.map { composite($0) })])
        case .or(let parts): return .object(["or": .array(parts.map { composite($0) })])
        case .rule(let threshold):
            guard case .object(var object) = self.threshold(threshold) else { return .null }
            object["type"] = "threshold"
            return .object(object)
        }
    }

    static func filter(_ filter: RuleFilter) -> JSONValue {
        .object(["field": .string(filter.field), "op": .string(filter.op), "value": .string(filter.value), "type": .string(filter.type)])
    }

    static func timeConstraint(_ constraint: AlarmTimeConstraint) -> JSONValue {
        .object([
            "name": .string(constraint.name), "description": .string(constraint.description), "start": .string(constraint.start),
            "duration": .number(Double(constraint.duration)), "timezone": .string(constraint.timezone),
        ])
    }

    /// A history row as Aodh answers it.
    static func change(_ change: AlarmChange) -> JSONValue {
        .object([
            "event_id": .string(change.eventID), "alarm_id": .string(change.alarmID), "type": .string(change.kind.rawValue),
            "detail": .string(change.detail), "timestamp": CeilometerFormat.timestamp(change.timestamp),
            "project_id": change.projectID.map(JSONValue.string) ?? .null, "user_id": change.userID.map(JSONValue.string) ?? .null,
            "on_behalf_of": change.onBehalfOf.map(JSONValue.string) ?? .null,
        ])
    }

    /// The whole alarm as a history detail: Aodh's shape plus `rule`, which the CLI's history view prints.
    static func detail(_ alarm: Alarm) -> String {
        guard case .object(var object) = self.alarm(alarm) else { return "{}" }
        object["rule"] = rule(alarm.rule)
        return String(decoding: WireJSON.encode(.object(object)), as: UTF8.self)
    }

    // MARK: in

    /// An alarm from a POST (nil `existing`) or a PUT body over `existing`. Read-only keys are ignored.
    static func read(_ body: JSONValue, over existing: Alarm?, now: Date) throws -> Alarm {
        guard case .object(let object) = body else { throw APIError.badRequest("the alarm must be a JSON object") }
        let rules = ruleKeys.filter { object[$0] != nil && object[$0] != .null }
        guard rules.count <= 1 else { throw APIError.badRequest("an alarm has one rule; this one has \(rules.joined(separator: " and "))") }
        guard case .string(let name)? = object["name"], !name.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw APIError.badRequest("name is required (a non-empty string)")
        }
        guard case .string(let type)? = object["type"] else { throw APIError.badRequest("type is required: threshold, composite or event") }
        guard ["threshold", "composite", "event"].contains(type) else {
            throw APIError.badRequest("type must be threshold, composite or event, not '\(type)'")
        }
        guard let ruleValue = object["\(type)_rule"], ruleValue != .null else {
            throw APIError.badRequest("a \(type) alarm needs \(type)_rule" + (rules.isEmpty ? "" : " (this one has \(rules[0]))"))
        }
        let rule: AlarmRule = switch type {
        case "threshold": .threshold(try threshold(ruleValue, at: "threshold_rule"))
        case "composite": .composite(try composite(ruleValue, at: "composite_rule", depth: 0))
        default: .event(try event(ruleValue))
        }
        var alarm = existing ?? Alarm(name: name, rule: rule, stateTimestamp: now, timestamp: now)
        alarm.name = name
        alarm.rule = rule
        alarm.description = try string(object["description"], "description") ?? existing?.description ?? ""
        alarm.enabled = try bool(object["enabled"], "enabled") ?? existing?.enabled ?? true
        alarm.repeatActions = try bool(object["repeat_actions"], "repeat_actions") ?? existing?.repeatActions ?? false
        alarm.alarmActions = try actions(object["alarm_actions"], "alarm_actions") ?? existing?.alarmActions ?? []
        alarm.okActions = try actions(object["ok_actions"], "ok_actions") ?? existing?.okActions ?? []
        alarm.insufficientDataActions = try actions(object["insufficient_data_actions"], "insufficient_data_actions")
            ?? existing?.insufficientDataActions ?? []
        if let text = try string(object["severity"], "severity") {
            guard let severity = AlarmSeverity(rawValue: text) else { throw APIError.badRequest("severity must be low, moderate or critical, not '\(text)'") }
            alarm.severity = severity
        }
        if let text = try string(object["state"], "state") {
            guard let state = AlarmState(rawValue: text) else { throw APIError.badRequest("state must be ok, alarm or insufficient data, not '\(text)'") }
            alarm.state = state
        }
        if let constraints = object["time_constraints"], constraints != .null {
            alarm.timeConstraints = try timeConstraints(constraints)
        }
        if case .string(let project)? = object["project_id"] { alarm.projectID = project }
        if case .string(let user)? = object["user_id"] { alarm.userID = user }
        alarm.timestamp = now
        return alarm
    }

    static func threshold(_ value: JSONValue, at path: String) throws -> ThresholdRule {
        guard case .object(let object) = value else { throw APIError.badRequest("\(path) must be an object") }
        guard case .string(let meter)? = object["meter_name"], !meter.isEmpty else { throw APIError.badRequest("\(path).meter_name is required") }
        guard let threshold = number(object["threshold"]) else { throw APIError.badRequest("\(path).threshold is required (a number)") }
        var rule = ThresholdRule(meterName: meter, threshold: threshold)
        if let text = try string(object["comparison_operator"], "\(path).comparison_operator") {
            guard let comparison = ThresholdRule.Comparison(rawValue: text) else {
                throw APIError.badRequest("\(path).comparison_operator must be lt, le, eq, ne, ge or gt, not '\(text)'")
            }
            rule.comparison = comparison
        }
        if let text = try string(object["statistic"], "\(path).statistic") {
            guard let statistic = ThresholdRule.Statistic(rawValue: text) else {
                throw APIError.badRequest("\(path).statistic must be max, min, avg, sum, count or rate, not '\(text)'")
            }
            rule.statistic = statistic
        }
        if let period = try integer(object["period"], "\(path).period", minimum: 1) { rule.period = period }
        if let periods = try integer(object["evaluation_periods"], "\(path).evaluation_periods", minimum: 1) { rule.evaluationPeriods = periods }
        rule.excludeOutliers = try bool(object["exclude_outliers"], "\(path).exclude_outliers") ?? false
        rule.query = try filters(object["query"], "\(path).query")
        if let timestamp = rule.query.first(where: { $0.field == "timestamp" }) {
            throw APIError.badRequest("\(path).query cannot filter on timestamp (\(timestamp.op) \(timestamp.value)): the evaluator chooses the window")
        }
        return rule
    }

    static func composite(_ value: JSONValue, at path: String, depth: Int) throws -> CompositeRule {
        guard depth < 16 else { throw APIError.badRequest("\(path) nests deeper than 16 levels") }
        guard case .object(let object) = value else { throw APIError.badRequest("\(path) must be an object") }
        for key in ["and", "or"] {
            guard let parts = object[key] else { continue }
            guard case .array(let list) = parts, !list.isEmpty else { throw APIError.badRequest("\(path).\(key) must be a non-empty list of rules") }
            let rules = try list.enumerated().map { try composite($1, at: "\(path).\(key)[\($0)]", depth: depth + 1) }
            return key == "and" ? .and(rules) : .or(rules)
        }
        if case .string(let type)? = object["type"], type != "threshold" {
            throw APIError.badRequest("\(path).type must be threshold (composite alarms combine threshold rules), not '\(type)'")
        }
        return .rule(try threshold(value, at: path))
    }

    static func event(_ value: JSONValue) throws -> EventRule {
        guard case .object(let object) = value else { throw APIError.badRequest("event_rule must be an object") }
        return EventRule(eventType: try string(object["event_type"], "event_rule.event_type") ?? "*",
                         query: try filters(object["query"], "event_rule.query"))
    }

    static func filters(_ value: JSONValue?, _ path: String) throws -> [RuleFilter] {
        guard let value, value != .null else { return [] }
        guard case .array(let list) = value else { throw APIError.badRequest("\(path) must be a list of {field, op, value}") }
        return try list.enumerated().map { index, item in
            guard case .object(let object) = item, case .string(let field)? = object["field"], !field.isEmpty else {
                throw APIError.badRequest("\(path)[\(index)] needs a field")
            }
            let op = try string(object["op"], "\(path)[\(index)].op") ?? "eq"
            guard ["eq", "ne", "lt", "le", "gt", "ge"].contains(op) else {
                throw APIError.badRequest("\(path)[\(index)].op must be eq, ne, lt, le, gt or ge, not '\(op)'")
            }
            let text: String = switch object["value"] {
            case .string(let string)?: string
            case .number(let number)?: number.exactInteger.map(String.init) ?? String(number)
            case .bool(let flag)?: String(flag)
            default: throw APIError.badRequest("\(path)[\(index)].value is required")
            }
            return RuleFilter(field: field, op: op, value: text, type: try string(object["type"], "\(path)[\(index)].type") ?? "")
        }
    }

    static func timeConstraints(_ value: JSONValue) throws -> [AlarmTimeConstraint] {
        guard case .array(let list) = value else { throw APIError.badRequest("time_constraints must be a list") }
        return try list.enumerated().map { index, item in
            let path = "time_constraints[\(index)]"
            guard case .object(let object) = item else { throw APIError.badRequest("\(path) must be an object") }
            guard let name = try string(object["name"], "\(path).name"), !name.isEmpty else { throw APIError.badRequest("\(path).name is required") }
            guard let start = try string(object["start"], "\(path).start"), CronExpression(start) != nil else {
                throw APIError.badRequest("\(path).start must be a cron expression of five fields, such as '0 23 * * *'")
            }
            guard let duration = try integer(object["duration"], "\(path).duration", minimum: 1) else {
                throw APIError.badRequest("\(path).duration is required (seconds)")
            }
            let zone = try string(object["timezone"], "\(path).timezone") ?? "UTC"
            guard zone.isEmpty || TimeZone(identifier: zone) != nil else { throw APIError.badRequest("\(path).timezone '\(zone)' is not a known time zone") }
            return AlarmTimeConstraint(name: name, description: try string(object["description"], "\(path).description") ?? "",
                                       start: start, duration: duration, timezone: zone.isEmpty ? "UTC" : zone)
        }
    }

    // MARK: scalars

    static func string(_ value: JSONValue?, _ path: String) throws -> String? {
        switch value {
        case nil, .null?: return nil
        case .string(let text)?: return text
        default: throw APIError.badRequest("\(path) must be a string")
        }
    }

    static func bool(_ value: JSONValue?, _ path: String) throws -> Bool? {
        switch value {
        case nil, .null?: return nil
        case .bool(let flag)?: return flag
        case .string(let text)? where ["true", "false"].contains(text.lowercased()): return text.lowercased() == "true"
        default: throw APIError.badRequest("\(path) must be true or false")
        }
    }

    static func number(_ value: JSONValue?) -> Double? {
        switch value {
        case .number(let number)? where number.isFinite: number
        case .string(let text)?: Double(text).flatMap { $0.isFinite ? $0 : nil }
        default: nil
        }
    }

    static func integer(_ value: JSONValue?, _ path: String, minimum: Int) throws -> Int? {
        guard let value, value != .null else { return nil }
        guard let number = number(value), let whole = number.exactInteger, whole >= minimum, whole <= 100_000_000 else {
            throw APIError.badRequest("\(path) must be a whole number from \(minimum) to 100000000")
        }
        return Int(whole)
    }

    static func actions(_ value: JSONValue?, _ path: String) throws -> [String]? {
        guard let value, value != .null else { return nil }
        guard case .array(let list) = value else { throw APIError.badRequest("\(path) must be a list of URLs") }
        return try list.map { item in
            guard case .string(let url) = item, let scheme = URLComponents(string: url)?.scheme?.lowercased(),
                  ["http", "https", "log", "alertmanager"].contains(scheme) else {
                throw APIError.badRequest("\(path): each action is a URL with scheme http, https, log or alertmanager; got \(item)")
            }
            return url
        }
    }
}
