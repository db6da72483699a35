import Foundation
import HTTPTypes
import Hummingbird
import VirtmonModel
import VirtmonStorage
import VirtmonRequests

/// Aodh's alarm API under /v2/alarms, as python-ceilometerclient 2.9 calls it without Keystone: list with
/// q filters, create (201 + Location), show, whole-body update, delete (204), state get/set as a bare JSON
/// string, and history newest first. A project token sees and changes only its project's alarms, and its
/// threshold rules are confined to its project.
struct CeilometerAlarmRoutes: AuthenticatedRoutes {
    let environment: APIEnvironment

    var routes: RouteCollection<AuthenticatedContext> {
        let routes = RouteCollection(context: AuthenticatedContext.self)
        let env = environment
        routes.get("/v2/alarms") { request, context in
            await RouteHandling.json(.ceilometer, env) {
                let filters = try CeilometerAlarmRoutes.listFilters(QueryParameters(request.uri.query))
                let alarms = try await env.storage.alarms(project: context.scope.project)
                return .array(alarms.filter { alarm in filters.allSatisfy { $0(alarm) } }.map(AlarmFormat.alarm))
            }
        }
        routes.post("/v2/alarms") { request, context in
            await RouteHandling.run(.ceilometer, logger: env.logger) {
                let body = try await RouteHandling.jsonBody(request, context: context)
                let now = Date()
                var alarm = try AlarmFormat.read(body, over: nil, now: now)
                CeilometerAlarmRoutes.confine(&alarm, to: context.scope)
                alarm.state = alarm.state  // as given, or insufficient data
                alarm.stateTimestamp = now
                try await env.storage.saveAlarm(alarm, changes: [CeilometerAlarmRoutes.change(alarm, .creation, AlarmFormat.detail(alarm), now, context.scope)])
                env.alarmsChanged()
                var response = JSONResponse.make(AlarmFormat.alarm(alarm), status: 201)
                response.headers[.location] = "\(RouteHandling.base(request))/v2/alarms/\(alarm.id)"
                return response
            }
        }
        routes.get("/v2/alarms/:id") { _, context in
            await RouteHandling.json(.ceilometer, env) {
                AlarmFormat.alarm(try await CeilometerAlarmRoutes.find(env, context))
            }
        }
        routes.put("/v2/alarms/:id") { request, context in
            await RouteHandling.json(.ceilometer, env) {
                let existing = try await CeilometerAlarmRoutes.find(env, context)
                let body = try await RouteHandling.jsonBody(request, context: context)
                let now = Date()
                var alarm = try AlarmFormat.read(body, over: existing, now: now)
                alarm.id = existing.id
                CeilometerAlarmRoutes.confine(&alarm, to: context.scope)
                var changes: [AlarmChange] = []
                let changed = CeilometerAlarmRoutes.changedKeys(from: existing, to: alarm)
                if !changed.isEmpty {
                    changes.append(CeilometerAlarmRoutes.change(alarm, .ruleChange, String(decoding: WireJSON.encode(.object(changed)), as: UTF8.self), now, context.scope))
                }
                if alarm.state != existing.state {
                    alarm.stateTimestamp = now
                    alarm.stateReason = "Manually set via API"
                    changes.append(CeilometerAlarmRoutes.transition(alarm, now, context.scope))
                }
                try await env.storage.saveAlarm(alarm, changes: changes)
                env.alarmsChanged()
                return AlarmFormat.alarm(alarm)
            }
        }
        routes.delete("/v2/alarms/:id") { _, context in
            await RouteHandling.run(.ceilometer, logger: env.logger) {
                let alarm = try await CeilometerAlarmRoutes.find(env, context)
                let change = CeilometerAlarmRoutes.change(alarm, .deletion, AlarmFormat.detail(alarm), Date(), context.scope)
                guard try await env.storage.deleteAlarm(id: alarm.id, change: change) else {
                    throw APIError.notFound("Alarm \(alarm.id) not found")
                }
                env.alarmsChanged()
                return Response(status: .noContent)
            }
        }
        routes.get("/v2/alarms/:id/state") { _, context in
            await RouteHandling.json(.ceilometer, env) {
                .string(try await CeilometerAlarmRoutes.find(env, context).state.rawValue)
            }
        }
        routes.put("/v2/alarms/:id/state") { request, context in
            await RouteHandling.json(.ceilometer, env) {
                var alarm = try await CeilometerAlarmRoutes.find(env, context)
                let body = try await RouteHandling.jsonBody(request, context: context)
                guard case .string(let text) = body, let state = AlarmState(rawValue: text) else {
                    throw APIError.badRequest("the state is a JSON string: \"ok\", \"alarm\" or \"insufficient data\"; got \(String(decoding: WireJSON.encode(body), as: UTF8.self).prefix(100))")
                }
                let now = Date()
                alarm.state = state
                alarm.stateTimestamp = now
                alarm.stateReason = "Manually set via API"
                alarm.timestamp = now
                try await env.storage.saveAlarm(alarm, changes: [CeilometerAlarmRoutes.transition(alarm, now, context.scope)])
                env.alarmsChanged()
                return .string(state.rawValue)
            }
        }
        routes.get("/v2/alarms/:id/history") { request, context in
            await RouteHandling.json(.ceilometer, env) {
                let alarm = try await CeilometerAlarmRoutes.find(env, context)
                let bounds = try CeilometerAlarmRoutes.timeBounds(QueryParameters(request.uri.query))
                let limit = env.clamp(try CeilometerQuery.limit(QueryParameters(request.uri.query), default: env.defaultLimit))
                let history = try await env.storage.alarmHistory(alarmID: alarm.id, project: context.scope.project, limit: env.maxLimit)
                return .array(history.filter { change in bounds.allSatisfy { $0(change.timestamp) } }.prefix(limit).map(AlarmFormat.change))
            }
        }
        routes.post("/v2/query/alarms") { request, context in
            await RouteHandling.json(.ceilometer, env) {
                let body = try await RouteHandling.jsonBody(request, context: context)
                let documents = try await env.storage.alarms(project: context.scope.project).compactMap { alarm -> [String: JSONValue]? in
                    if case .object(let object) = AlarmFormat.alarm(alarm) { object } else { nil }
                }
                let query = try ComplexFilter.query(body, fields: CeilometerAlarmRoutes.alarmFields, defaultLimit: env.defaultLimit)
                return .array(ComplexFilter.apply(documents, (query.filter, query.order, env.clamp(query.limit))).map(JSONValue.object))
            }
        }
        routes.post("/v2/query/alarms/history") { request, context in
            await RouteHandling.json(.ceilometer, env) {
                let body = try await RouteHandling.jsonBody(request, context: context)
                let history = try await env.storage.alarmHistory(alarmID: nil, project: context.scope.project, limit: env.maxLimit)
                let documents = history.compactMap { change -> [String: JSONValue]? in
                    if case .object(let object) = AlarmFormat.change(change) { object } else { nil }
                }
                let query = try ComplexFilter.query(body, fields: CeilometerAlarmRoutes.changeFields, defaultLimit: env.defaultLimit)
                return .array(ComplexFilter.apply(documents, (query.filter, query.order, env.clamp(query.limit))).map(JSONValue.object))
            }
        }
        return routes
    }

    static let alarmFields: Set<String> = [
        "alarm_id", "name", "description", "type", "enabled", "repeat_actions", "severity", "state", "state_timestamp",
        "state_reason", "timestamp", "project_id", "user_id",
    ]
    static let changeFields: Set<String> = ["event_id", "alarm_id", "type", "detail", "timestamp", "project_id", "user_id", "on_behalf_of"]

    /// The alarm named in the path, if the caller may see it; another project's alarm answers as a missing one.
    static func find(_ env: APIEnvironment, _ context: AuthenticatedContext) async throws -> Alarm {
        let id = try RouteHandling.pathParameter(context, "id")
        guard let alarm = try await env.storage.alarm(id: id), context.scope.project == nil || alarm.projectID == context.scope.project else {
            throw APIError.notFound("Alarm \(id) not found")
        }
        return alarm
    }

    /// A project token's alarm is its project's, and its threshold rules read only that project's samples.
    static func confine(_ alarm: inout Alarm, to scope: AccessScope) {
        guard let project = scope.project else { return }
        alarm.projectID = project
        func confined(_ rule: ThresholdRule) -> ThresholdRule {
            var rule = rule
            rule.query.removeAll { $0.field == "project_id" }
            rule.query.append(RuleFilter(field: "project_id", op: "eq", value: project))
            return rule
        }
        func confined(_ tree: CompositeRule) -> CompositeRule {
            switch tree {
            case .and(let parts): .and(parts.map(confined))
            case .or(let parts): .or(parts.map(confined))
            case .rule(let rule): .rule(confined(rule))
            }
        }
        switch alarm.rule {
        case .threshold(let rule): alarm.rule = .threshold(confined(rule))
        case .composite(let tree): alarm.rule = .composite(confined(tree))
        case .event: break
        }
    }

    static func change(_ alarm: Alarm, _ kind: AlarmChange.Kind, _ detail: String, _ now: Date, _ scope: AccessScope) -> AlarmChange {
        AlarmChange(alarmID: alarm.id, kind: kind, detail: detail, timestamp: now, projectID: alarm.projectID,
                    userID: alarm.userID, onBehalfOf: scope.project ?? alarm.projectID)
    }

    static func transition(_ alarm: Alarm, _ now: Date, _ scope: AccessScope) -> AlarmChange {
        let detail: JSONValue = .object(["state": .string(alarm.state.rawValue), "transition_reason": .string(alarm.stateReason)])
        return change(alarm, .stateTransition, String(decoding: WireJSON.encode(detail), as: UTF8.self), now, scope)
    }

    /// The keys a PUT changed, with their new values (`rule` and `type` together when the rule changed, as
    /// the CLI's history view reads them).
    static func changedKeys(from old: Alarm, to new: Alarm) -> [String: JSONValue] {
        guard case .object(let before) = AlarmFormat.alarm(old), case .object(let after) = AlarmFormat.alarm(new) else { return [:] }
        let ignored: Set<String> = ["timestamp", "state", "state_timestamp", "state_reason"]
        var changed: [String: JSONValue] = [:]
        for (key, value) in after where !ignored.contains(key) && before[key] != value && !key.hasSuffix("_rule") {
            changed[key] = value
        }
        if old.rule != new.rule {
            changed["rule"] = AlarmFormat.rule(new.rule)
            changed["type"] = .string(new.type)
        }
        return changed
    }

    /// Aodh's list filters: q.field name, user_id, project_id, type, state, meter, enabled, alarm_id, severity
    /// with eq or ne.
    static func listFilters(_ parameters: QueryParameters) throws -> [(Alarm) -> Bool] {
        let fields = parameters.all("q.field"), ops = parameters.all("q.op"), values = parameters.all("q.value")
        guard fields.count == values.count else { throw APIError.badRequest("\(fields.count) q.field but \(values.count) q.value: each field needs a value") }
        return try fields.enumerated().map { index, field in
            let op = index < ops.count && !ops[index].isEmpty ? ops[index] : "eq"
            guard op == "eq" || op == "ne" else { throw APIError.badRequest("alarms filter with eq or ne, not \(op)") }
            let value = values[index]
            let read: (Alarm) -> String?
            switch field {
            case "name": read = { $0.name }
            case "user_id": read = { $0.userID }
            case "project_id": read = { $0.projectID }
            case "type": read = { $0.type }
            case "state": read = { $0.state.rawValue }
            case "enabled": read = { String($0.enabled) }
            case "alarm_id": read = { $0.id }
            case "severity": read = { $0.severity.rawValue }
            case "meter":
                read = { alarm in
                    switch alarm.rule {
                    case .threshold(let rule): rule.meterName
                    case .composite(let tree): tree.thresholds.map(\.meterName).first { $0 == value } ?? tree.thresholds.first?.meterName
                    case .event: nil
                    }
                }
            default:
                throw APIError.badRequest("alarms filter on name, user_id, project_id, type, state, meter, enabled, alarm_id or severity, not \(field)")
            }
            let wanted = field == "enabled" ? value.lowercased() : value
            return { alarm in (read(alarm) == wanted) == (op == "eq") }
        }
    }

    /// History filters: q.field=timestamp with gt, ge, lt or le.
    static func timeBounds(_ parameters: QueryParameters) throws -> [(Date) -> Bool] {
        let fields = parameters.all("q.field"), ops = parameters.all("q.op"), values = parameters.all("q.value")
        guard fields.count == values.count else { throw APIError.badRequest("\(fields.count) q.field but \(values.count) q.value: each field needs a value") }
        return try fields.enumerated().map { index, field in
            guard field == "timestamp" else { throw APIError.badRequest("alarm history filters on timestamp only, not \(field)") }
            let op = index < ops.count && !ops[index].isEmpty ? ops[index] : "eq"
            let bound = try QueryValue.date(values[index], for: "timestamp")
            switch op {
            case "gt": return { $0 > bound }
            case "ge": return { $0 >= bound }
            case "lt": return { $0 < bound }
            case "le": return { $0 <= bound }
            case "eq": return { $0 == bound }
            default: throw APIError.badRequest("timestamp filters with gt, ge, lt, le or eq, not \(op)")
            }
        }
    }
}
