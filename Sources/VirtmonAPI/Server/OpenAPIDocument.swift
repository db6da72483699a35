import Foundation
import VirtmonModel

/// The OpenAPI 3.0 description of every route the collector serves, at `/openapi.json`. A test checks it
/// names exactly the router's routes, and schemathesis drives a live collector from it in the test suite.
public enum OpenAPIDocument {
    // MARK: schema shorthands

    static func object(_ properties: [String: JSONValue], required: [String] = []) -> JSONValue {
        var schema: [String: JSONValue] = ["type": "object", "properties": .object(properties)]
        if !required.isEmpty { schema["required"] = .array(required.map(JSONValue.string)) }
        return .object(schema)
    }
    static let string: JSONValue = ["type": "string"]
    static let nullableString: JSONValue = .object(["type": "string", "nullable": true])
    static let number: JSONValue = ["type": "number"]
    static let integer: JSONValue = ["type": "integer"]
    static let boolean: JSONValue = ["type": "boolean"]
    static let anyObject: JSONValue = .object(["type": "object", "additionalProperties": true])
    static func array(_ items: JSONValue) -> JSONValue { .object(["type": "array", "items": items]) }
    static func ref(_ name: String) -> JSONValue { .object(["$ref": .string("#/components/schemas/\(name)")]) }

    static func query(_ name: String, _ schema: JSONValue, _ description: String) -> JSONValue {
        .object(["name": .string(name), "in": "query", "required": false, "schema": schema, "description": .string(description)])
    }
    static func path(_ name: String, _ description: String) -> JSONValue {
        .object(["name": .string(name), "in": "path", "required": true, "schema": string, "description": .string(description)])
    }

    /// Ceilometer's parallel filter lists.
    static let ceilometerFilters: [JSONValue] = [
        query("q.field", array(string), "field of each filter: resource_id, project_id, user_id, source, meter, timestamp, volume, message_id, metadata.KEY"),
        query("q.op", array(.object(["type": "string", "enum": ["eq", "ne", "lt", "le", "gt", "ge"]])), "operator of each filter"),
        query("q.type", array(.object(["type": "string", "enum": ["", "string", "integer", "float", "boolean", "datetime"]])), "value type of each filter"),
        query("q.value", array(string), "value of each filter"),
    ]
    static let limit = query("limit", .object(["type": "integer", "minimum": 1]), "most rows to return (at most the collector's page size)")
    static let ownFilters: [JSONValue] = [
        query("meter", string, "meter name"), query("resource", string, "resource id"), query("project", string, "project id"),
        query("user", string, "user id"), query("source", string, "source"),
    ]
    static let timeRange: [JSONValue] = [
        query("start", .object(["type": "string", "format": "date-time"]), "inclusive lower bound (ISO 8601)"),
        query("end", .object(["type": "string", "format": "date-time"]), "exclusive upper bound (ISO 8601)"),
    ]

    static func json(_ schema: JSONValue) -> JSONValue { .object(["application/json": .object(["schema": schema])]) }

    /// An operation: its answers on success, and the error shape of its family for every other status.
    static func operation(_ summary: String, parameters: [JSONValue] = [], body: JSONValue? = nil, ok: JSONValue,
                          okStatus: String = "200", ceilometer: Bool, open: Bool = false, okContent: String = "application/json",
                          bodyContent: [String] = ["application/json"]) -> JSONValue {
        var operation: [String: JSONValue] = [
            "summary": .string(summary),
            "responses": .object([
                okStatus: okContent.isEmpty ? .object(["description": "success"])
                    : .object(["description": "success", "content": .object([okContent: .object(["schema": ok])])]),
                "default": .object(["description": "an error, with what was wrong", "content": json(ref(ceilometer ? "CeilometerError" : "Error"))]),
            ]),
        ]
        if !parameters.isEmpty { operation["parameters"] = .array(parameters) }
        if let body {
            let content = Dictionary(uniqueKeysWithValues: bodyContent.map { ($0, JSONValue.object(["schema": body])) })
            operation["requestBody"] = .object(["required": true, "content": .object(content)])
        }
        if open { operation["security"] = .array([]) }
        return .object(operation)
    }

    // MARK: the document

    static let complexQuery = object(["filter": string, "orderby": string, "limit": .object(["oneOf": [integer, string]])])
    static let alarmState: JSONValue = .object(["type": "string", "enum": ["ok", "alarm", "insufficient data"]])
    static let thresholdRule = object([
        "meter_name": string, "threshold": number, "comparison_operator": .object(["type": "string", "enum": ["lt", "le", "eq", "ne", "ge", "gt"]]),
        "statistic": .object(["type": "string", "enum": ["max", "min", "avg", "sum", "count", "rate"]]),
        "period": .object(["type": "integer", "minimum": 1]), "evaluation_periods": .object(["type": "integer", "minimum": 1]),
        "exclude_outliers": boolean, "query": array(object(["field": string, "op": string, "value": string, "type": string])),
    ], required: ["meter_name", "threshold"])

    static let schemas: [String: JSONValue] = [
        "Alarm": object([
            "alarm_id": string, "name": string, "description": string, "type": string, "enabled": boolean, "repeat_actions": boolean,
            "alarm_actions": array(string), "ok_actions": array(string), "insufficient_data_actions": array(string),
            "severity": string, "time_constraints": array(anyObject), "state": alarmState, "state_timestamp": string,
            "state_reason": string, "timestamp": string, "project_id": nullableString, "user_id": nullableString,
            "threshold_rule": anyObject, "composite_rule": anyObject, "event_rule": anyObject,
        ], required: ["alarm_id", "name", "type", "state"]),
        "AlarmInput": object([
            "name": string, "description": string, "type": .object(["type": "string", "enum": ["threshold", "composite", "event"]]),
            "enabled": boolean, "repeat_actions": boolean, "severity": .object(["type": "string", "enum": ["low", "moderate", "critical"]]),
            "alarm_actions": array(string), "ok_actions": array(string), "insufficient_data_actions": array(string),
            "state": alarmState, "threshold_rule": thresholdRule, "composite_rule": anyObject,
            "event_rule": object(["event_type": string, "query": array(anyObject)]),
            "time_constraints": array(object(["name": string, "start": string, "duration": integer, "timezone": string, "description": string])),
        ], required: ["name", "type"]),
        "AlarmChange": object([
            "event_id": string, "alarm_id": string, "type": string, "detail": string, "timestamp": string,
            "project_id": nullableString, "user_id": nullableString, "on_behalf_of": nullableString,
        ], required: ["event_id", "alarm_id", "type", "detail", "timestamp"]),
        "Error": object(["error": string, "status": integer], required: ["error", "status"]),
        "CeilometerError": object(["error_message": object(["faultstring": string, "faultcode": string, "debuginfo": nullableString], required: ["faultstring"])], required: ["error_message"]),
        "Meter": object([
            "name": string, "type": string, "unit": string, "resource_id": string, "project_id": nullableString,
            "user_id": nullableString, "source": string, "meter_id": string,
        ], required: ["name", "type", "unit", "resource_id", "source", "meter_id"]),
        "OldSample": object([
            "counter_name": string, "counter_type": string, "counter_unit": string, "counter_volume": number,
            "user_id": nullableString, "project_id": nullableString, "resource_id": string, "timestamp": string,
            "recorded_at": string, "resource_metadata": anyObject, "source": string, "message_id": string,
        ], required: ["counter_name", "counter_type", "counter_unit", "counter_volume", "resource_id", "timestamp"]),
        "PostedSample": object([
            "counter_name": string, "counter_type": .object(["type": "string", "enum": ["gauge", "delta", "cumulative"]]),
            "counter_unit": string, "counter_volume": .object(["oneOf": [number, string]]), "resource_id": string,
            "project_id": nullableString, "user_id": nullableString, "timestamp": string, "resource_metadata": anyObject,
            "source": string, "message_id": string,
        ], required: ["counter_type", "counter_unit", "counter_volume", "resource_id"]),
        "Sample": object([
            "id": string, "meter": string, "type": string, "unit": string, "volume": number, "user_id": nullableString,
            "project_id": nullableString, "resource_id": string, "timestamp": string, "recorded_at": string,
            "source": string, "metadata": anyObject,
        ], required: ["id", "meter", "type", "unit", "volume", "resource_id", "timestamp"]),
        "Resource": object([
            "resource_id": string, "project_id": nullableString, "user_id": nullableString, "source": string,
            "first_sample_timestamp": string, "last_sample_timestamp": string, "metadata": anyObject,
            "links": array(object(["href": string, "rel": string])),
        ], required: ["resource_id", "links"]),
        "Statistics": object([
            "avg": number, "count": integer, "max": number, "min": number, "sum": number, "unit": string,
            "duration": number, "duration_start": string, "duration_end": string, "period": integer,
            "period_start": string, "period_end": string,
            "groupby": .object(["type": "object", "nullable": true, "additionalProperties": nullableString]),
            "aggregate": .object(["type": "object", "additionalProperties": number]),
        ], required: ["avg", "count", "max", "min", "sum", "period"]),
        // Columns named after the aggregates (count, avg, min, max, sum unless aggregate= names others).
        "StatisticsSeries": object([
            "meter": string, "period": integer,
            "series": array(.object(["type": "object", "required": ["period_start", "unit"],
                                     "properties": .object([
                                         "groupby": .object(["type": "object", "nullable": true, "additionalProperties": nullableString]),
                                         "unit": string, "period_start": array(number),
                                     ]),
                                     "additionalProperties": array(number)])),
        ], required: ["meter", "period", "series"]),
        "OwnResource": object([
            "resource_id": string, "project_id": nullableString, "user_id": nullableString, "source": string,
            "first_sample": string, "last_sample": string, "metadata": anyObject, "meters": array(string),
        ], required: ["resource_id", "meters"]),
        "CeilometerEvent": object([
            "message_id": string, "event_type": string, "generated": string, "raw": anyObject,
            "traits": array(object(["name": string, "type": string, "value": string], required: ["name", "type", "value"])),
        ], required: ["message_id", "event_type", "generated", "traits"]),
        "Host": object(["host": string, "agent": string, "last_seen": string, "batches": integer], required: ["host", "agent"]),
        "Event": object([
            "id": string, "time": string, "type": string, "level": .object(["type": "string", "enum": ["info", "error", "fatal"]]),
            "host": string, "resource": string, "message": string, "details": anyObject,
        ], required: ["id", "time", "type", "level"]),
        "Series": object([
            "meter": string, "resource_id": string, "unit": nullableString,
            "points": array(.object(["type": "array", "items": .object(["oneOf": [string, number]]), "minItems": 2, "maxItems": 2])),
        ], required: ["meter", "resource_id", "points"]),
    ]

    static var paths: [String: JSONValue] {
        let statisticsParameters = ceilometerFilters + [
            query("period", .object(["type": "integer", "minimum": 0]), "seconds per period; 0 or absent for one period"),
            query("groupby", array(.object(["type": "string"])), "resource_id, project_id, user_id, source or metadata.KEY"),
            query("aggregate.func", string, "avg, sum, min, max, count, stddev or cardinality"),
            query("aggregate.param", string, "the field cardinality counts"),
        ]
        return [
            "/healthz": .object(["get": operation("health: 200 while the store answers and writes succeed", ok: anyObject, ceilometer: false, open: true)]),
            "/metrics": .object(["get": operation("the collector's own figures in the Prometheus text format", ok: string, ceilometer: false, open: true, okContent: "text/plain")]),
            "/openapi.json": .object(["get": operation("this document", ok: anyObject, ceilometer: false, open: true)]),
            "/": .object(["get": operation("the dashboard's page (it signs in with a token kept in the browser session)", ok: string, ceilometer: false, open: true, okContent: "text/html")]),
            "/dashboard/{asset}": .object(["get": operation("one of the dashboard's files (script, style sheet, icon)", parameters: [path("asset", "file name")], ok: string, ceilometer: false, open: true, okContent: "text/javascript")]),
            "/api/v1/whoami": .object(["get": operation("what the presented token may see", ok: object(["scope": string, "project_id": string]), ceilometer: false)]),
            "/api/v1/write": .object(["post": operation(
                "Prometheus remote-write 1.0: a snappy-compressed WriteRequest; 204 once committed, 400 for a request the sender must not retry",
                body: .object(["type": "string", "format": "binary"]), ok: anyObject, okStatus: "204", ceilometer: false, okContent: "",
                // Senders label the body application/x-protobuf; any label is read the same (octet-stream is
                // listed too, for generic clients and fuzzers that cannot make protobuf).
                bodyContent: ["application/x-protobuf", "application/octet-stream"])]),
            "/federate": .object(["get": operation(
                "the latest stored value of every series a selector matches, in the Prometheus text format (names as docs/prometheus.md lists them)",
                parameters: [.object(["name": "match[]", "in": "query", "required": true, "schema": array(string),
                                      "description": "series selectors, such as libvirt_domain_info_cpu_time_seconds_total or {job=\"node\"}"])],
                ok: string, ceilometer: false, okContent: "text/plain")]),
            "/api/v1/batches": .object(["post": operation(
                "ingest a signed agent batch (wire format v1); 200 only once committed",
                parameters: [.object(["name": .string(SignedFrame.signatureHeader), "in": "header", "required": false, "schema": string])],
                body: anyObject, ok: object(["stored": integer, "events": integer, "duplicate": boolean]), ceilometer: false, open: true)]),
            "/v2/meters": .object(["get": operation("meters: one per meter and resource", parameters: ceilometerFilters + [limit], ok: array(ref("Meter")), ceilometer: true)]),
            "/v2/meters/{name}": .object([
                "get": operation("samples of one meter, newest first", parameters: [path("name", "meter name")] + ceilometerFilters + [limit], ok: array(ref("OldSample")), ceilometer: true),
                "post": operation("post samples of one meter; a project token writes only its own or new resources",
                                  parameters: [path("name", "meter name")], body: array(ref("PostedSample")), ok: array(ref("OldSample")), ceilometer: true),
            ]),
            "/v2/meters/{name}/statistics": .object(["get": operation("statistics of one meter per period and group", parameters: [path("name", "meter name")] + statisticsParameters, ok: array(ref("Statistics")), ceilometer: true)]),
            "/v2/samples": .object(["get": operation("samples, newest first", parameters: ceilometerFilters + [limit], ok: array(ref("Sample")), ceilometer: true)]),
            "/v2/samples/{id}": .object(["get": operation("one sample by id", parameters: [path("id", "sample id")], ok: ref("Sample"), ceilometer: true)]),
            "/v2/query/samples": .object(["post": operation(
                "samples by a complex filter", body: object(["filter": string, "orderby": string, "limit": .object(["oneOf": [integer, string]])]),
                ok: array(ref("Sample")), ceilometer: true)]),
            "/v2/resources": .object(["get": operation("resources", parameters: ceilometerFilters + [limit, query("meter_links", .object(["type": "integer", "enum": [0, 1]]), "0 leaves out meter links")], ok: array(ref("Resource")), ceilometer: true)]),
            "/v2/resources/{id}": .object(["get": operation("one resource", parameters: [path("id", "resource id")], ok: ref("Resource"), ceilometer: true)]),
            "/v2/capabilities": .object(["get": operation("what the API supports", ok: anyObject, ceilometer: true)]),
            "/v2/alarms": .object([
                "get": operation("alarms (Aodh's API); q.field name, user_id, project_id, type, state, meter, enabled, alarm_id, severity",
                                 parameters: ceilometerFilters, ok: array(ref("Alarm")), ceilometer: true),
                "post": operation("create an alarm: 201 with its Location", body: ref("AlarmInput"), ok: ref("Alarm"), okStatus: "201", ceilometer: true),
            ]),
            "/v2/alarms/{id}": .object([
                "get": operation("one alarm", parameters: [path("id", "alarm id")], ok: ref("Alarm"), ceilometer: true),
                "put": operation("replace an alarm (read-only fields in the body are ignored)", parameters: [path("id", "alarm id")],
                                 body: ref("AlarmInput"), ok: ref("Alarm"), ceilometer: true),
                "delete": operation("delete an alarm; its history stays", parameters: [path("id", "alarm id")], ok: anyObject,
                                    okStatus: "204", ceilometer: true, okContent: ""),
            ]),
            "/v2/alarms/{id}/state": .object([
                "get": operation("an alarm's state, as a JSON string", parameters: [path("id", "alarm id")], ok: alarmState, ceilometer: true),
                "put": operation("set an alarm's state (a JSON string)", parameters: [path("id", "alarm id")], body: alarmState, ok: alarmState, ceilometer: true),
            ]),
            "/v2/query/alarms": .object(["post": operation(
                "alarms by a complex filter ({\"and\": [{\"=\": {\"state\": \"alarm\"}}, …]}), orderby and limit",
                body: complexQuery, ok: array(ref("Alarm")), ceilometer: true)]),
            "/v2/query/alarms/history": .object(["post": operation(
                "alarm history by a complex filter, orderby and limit", body: complexQuery, ok: array(ref("AlarmChange")), ceilometer: true)]),
            "/v2/alarms/{id}/history": .object(["get": operation(
                "an alarm's changes, newest first (q.field=timestamp with gt, ge, lt, le)", parameters: [path("id", "alarm id")] + ceilometerFilters + [limit],
                ok: array(ref("AlarmChange")), ceilometer: true)]),
            "/v2/events": .object(["get": operation("monitor events in Ceilometer's event shape (admin; none for a project)", parameters: ceilometerFilters + [limit], ok: array(ref("CeilometerEvent")), ceilometer: true)]),
            "/v2/events/{id}": .object(["get": operation("one event", parameters: [path("id", "message id")], ok: ref("CeilometerEvent"), ceilometer: true)]),
            "/v2/event_types": .object(["get": operation("event types seen", ok: array(string), ceilometer: true)]),
            "/api/v1/hosts": .object(["get": operation("agents' hosts (admin)", ok: array(ref("Host")), ceilometer: false)]),
            "/api/v1/meters": .object(["get": operation("meters", parameters: ownFilters, ok: array(ref("Meter")), ceilometer: false)]),
            "/api/v1/resources": .object(["get": operation("resources", parameters: ownFilters, ok: array(ref("OwnResource")), ceilometer: false)]),
            "/api/v1/resources/{id}": .object(["get": operation("one resource", parameters: [path("id", "resource id")], ok: ref("OwnResource"), ceilometer: false)]),
            "/api/v1/samples": .object(["get": operation("samples, newest first", parameters: ownFilters + timeRange + [limit], ok: array(anyObject), ceilometer: false)]),
            "/api/v1/series": .object(["get": operation("one series as [time, value] points, oldest first", parameters: ownFilters + timeRange + [limit], ok: ref("Series"), ceilometer: false)]),
            "/api/v1/statistics": .object(["get": operation("statistics of one meter", parameters: ownFilters + timeRange + [
                query("period", .object(["type": "integer", "minimum": 0]), "seconds per period"),
                query("groupby", array(string), "fields to group by"),
                query("aggregate", array(string), "func or func:param"),
                query("layout", .object(["type": "string", "enum": ["rows", "series"]]),
                      "rows: one object per period and group (the default); series: one object per group, its periods in columns"),
            ], ok: .object(["oneOf": [array(ref("Statistics")), ref("StatisticsSeries")]]), ceilometer: false)]),
            "/api/v1/events": .object(["get": operation("monitor events (admin)", parameters: [
                query("type", string, "event type"), query("host", string, "host"), query("resource", string, "resource"),
                query("level", .object(["type": "string", "enum": ["info", "error", "fatal"]]), "level"),
                query("since", .object(["type": "string", "format": "date-time"]), "from"),
                query("until", .object(["type": "string", "format": "date-time"]), "until"), limit,
            ], ok: array(ref("Event")), ceilometer: false)]),
        ]
    }

    /// The whole document.
    public static var document: JSONValue {
        .object([
            "openapi": "3.0.3",
            "info": .object(["title": "virtmon collector", "version": "1", "description": "Ceilometer v2-compatible and virtmon's own query API, batch ingest, health and metrics."]),
            "components": .object([
                "schemas": .object(schemas),
                "securitySchemes": .object(["token": .object(["type": "apiKey", "in": "header", "name": "X-Auth-Token"])]),
            ]),
            "security": .array([.object(["token": .array([])])]),
            "paths": .object(paths),
        ])
    }

    /// Every (method, path) the document describes, as the router describes its routes (`GET /v2/samples/{id}`).
    public static var routes: Set<String> {
        var result: Set<String> = []
        for (path, item) in paths {
            guard case .object(let methods) = item else { continue }
            for method in methods.keys { result.insert("\(method.uppercased()) \(path)") }
        }
        return result
    }
}
