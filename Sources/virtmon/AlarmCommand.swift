import ArgumentParser
import Foundation
import VirtmonCLI
import VirtmonModel

/// `virtmon alarm …`: Aodh's alarms on the collector, as tables or JSON.
struct AlarmCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alarm", abstract: "Alarms: list, show, create, update, delete, state, history.",
        subcommands: [List.self, Show.self, Create.self, Update.self, Delete.self, State.self, History.self])

    static let columns: [(String, String)] = [
        ("Alarm ID", "alarm_id"), ("Name", "name"), ("State", "state"), ("Severity", "severity"), ("Enabled", "enabled"),
        ("Condition", "condition"),
    ]

    /// Rows for the table: the rule as one line (`avg(cpu_util) > 90.0 during 3 x 60s`).
    static func rows(_ value: JSONValue) -> JSONValue {
        func row(_ alarm: JSONValue) -> JSONValue {
            guard case .object(var object) = alarm else { return alarm }
            if case .object(let rule)? = object["threshold_rule"] {
                let symbols = ["lt": "<", "le": "<=", "eq": "==", "ne": "!=", "ge": ">=", "gt": ">"]
                let op = rule["comparison_operator"].flatMap { if case .string(let s) = $0 { symbols[s] } else { nil } } ?? "?"
                object["condition"] = .string("\(text(rule["statistic"]))(\(text(rule["meter_name"]))) \(op) \(text(rule["threshold"])) during \(text(rule["evaluation_periods"])) x \(text(rule["period"]))s")
            } else if case .object(let rule)? = object["event_rule"] {
                object["condition"] = .string("event \(text(rule["event_type"]))")
            } else {
                object["condition"] = "composite"
            }
            return .object(object)
        }
        if case .array(let list) = value { return .array(list.map(row)) }
        return row(value)
    }

    static func text(_ value: JSONValue?) -> String {
        switch value {
        case .string(let text)?: text
        case .number(let number)?: number.exactInteger.map(String.init) ?? String(number)
        case .bool(let flag)?: String(flag)
        default: ""
        }
    }

    static func show(_ value: JSONValue, json: Bool) {
        if json {
            FileHandle.standardOutput.write(Data(WireJSON.encode(value) + [UInt8(ascii: "\n")]))
        } else {
            let list: [JSONValue] = if case .array(let rows) = rows(value) { rows } else { [rows(value)] }
            FileHandle.standardOutput.write(Data(TableFormatter.render(list, columns: columns.map { (header: $0.0, key: $0.1) }).utf8))
        }
    }

    /// One alarm: as JSON, or as a table of its properties.
    static func showOne(_ alarm: JSONValue, json: Bool) {
        if json {
            show(alarm, json: true)
        } else {
            FileHandle.standardOutput.write(Data(TableFormatter.properties(alarm).utf8))
        }
    }

    /// Runs a client call; a failure goes to stderr with exit 1.
    static func run(_ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch let error as ExitCode {
            throw error
        } catch {
            FileHandle.standardError.write(Data("virtmon: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List alarms (filter with -q name=hot;state=alarm).")
        @OptionGroup var options: ClientOptions
        @Option(name: .shortAndLong, help: "Filter: field=value;… on name, state, severity, type, meter, enabled, project_id, user_id.")
        var query: String?
        func run() async throws {
            try await AlarmCommand.run {
                AlarmCommand.show(try await options.client.get("/v2/alarms", try SimpleQuery.parameters(query)), json: options.json)
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one alarm.")
        @OptionGroup var options: ClientOptions
        @Argument(help: "Alarm id.") var id: String
        func run() async throws {
            try await AlarmCommand.run {
                AlarmCommand.showOne(try await options.client.get("/v2/alarms/\(id)"), json: options.json)
            }
        }
    }

    /// The rule and settings `create` and `update` share.
    struct RuleOptions: ParsableArguments {
        @Option(help: "Meter the threshold rule watches (cpu_util, hardware.cpu.util, any *.rate meter).") var meter: String?
        @Option(help: "The threshold.") var threshold: Double?
        @Option(help: "lt, le, eq, ne, ge or gt.") var op: String?
        @Option(help: "max, min, avg, sum, count or rate.") var statistic: String?
        @Option(help: "Seconds per period.") var period: Int?
        @Option(help: "How many newest periods must all breach.") var evaluationPeriods: Int?
        @Option(name: .shortAndLong, help: "The rule's filter: field=value;… (resource_id=…, metadata.KEY=…).") var query: String?
        @Option(help: "Event type glob for an event alarm (instead of --meter).") var eventType: String?
        @Option(help: "low, moderate or critical.") var severity: String?
        @Option(help: "Action URL on entering alarm (repeatable): http(s)://…, log://, alertmanager://HOST:PORT.") var alarmAction: [String] = []
        @Option(help: "Action URL on entering ok (repeatable).") var okAction: [String] = []
        @Option(help: "Action URL on entering insufficient data (repeatable).") var insufficientDataAction: [String] = []
        @Option(help: "Description.") var description: String?
        @Option(help: "true or false: notify on every evaluation while in the state.") var repeatActions: Bool?
        @Option(help: "true or false.") var enabled: Bool?

        /// The fields given, in Aodh's shape, over `base`.
        func apply(to base: [String: JSONValue]) throws -> [String: JSONValue] {
            var alarm = base
            if let eventType {
                alarm["type"] = "event"
                alarm["event_rule"] = .object(["event_type": .string(eventType), "query": .array(try filters())])
                alarm["threshold_rule"] = nil
            }
            if meter != nil || threshold != nil || op != nil || statistic != nil || period != nil || evaluationPeriods != nil || (query != nil && eventType == nil) {
                var rule: [String: JSONValue] = if case .object(let existing)? = base["threshold_rule"] { existing } else { [:] }
                if let meter { rule["meter_name"] = .string(meter) }
                if let threshold { rule["threshold"] = .number(threshold) }
                if let op { rule["comparison_operator"] = .string(op) }
                if let statistic { rule["statistic"] = .string(statistic) }
                if let period { rule["period"] = .number(Double(period)) }
                if let evaluationPeriods { rule["evaluation_periods"] = .number(Double(evaluationPeriods)) }
                if query != nil { rule["query"] = .array(try filters()) }
                alarm["type"] = "threshold"
                alarm["threshold_rule"] = .object(rule)
                alarm["event_rule"] = nil
            }
            if let severity { alarm["severity"] = .string(severity) }
            if !alarmAction.isEmpty { alarm["alarm_actions"] = .array(alarmAction.map(JSONValue.string)) }
            if !okAction.isEmpty { alarm["ok_actions"] = .array(okAction.map(JSONValue.string)) }
            if !insufficientDataAction.isEmpty { alarm["insufficient_data_actions"] = .array(insufficientDataAction.map(JSONValue.string)) }
            if let description { alarm["description"] = .string(description) }
            if let repeatActions { alarm["repeat_actions"] = .bool(repeatActions) }
            if let enabled { alarm["enabled"] = .bool(enabled) }
            return alarm
        }

        func filters() throws -> [JSONValue] {
            // SimpleQuery gives (q.field, q.op, q.value) triples.
            let pairs = try SimpleQuery.parameters(query)
            return stride(from: 0, to: pairs.count - 2, by: 3).map { index in
                .object(["field": .string(pairs[index].1), "op": .string(pairs[index + 1].1), "value": .string(pairs[index + 2].1)])
            }
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create an alarm in one line: --name hot --meter cpu_util --threshold 90 --op gt --statistic avg --period 60 --evaluation-periods 3 --alarm-action http://…")
        @OptionGroup var options: ClientOptions
        @Option(help: "The alarm's name.") var name: String
        @OptionGroup var rule: RuleOptions

        func validate() throws {
            if rule.meter == nil && rule.eventType == nil { throw ValidationError("give --meter (a threshold alarm) or --event-type (an event alarm)") }
            if rule.meter != nil && rule.threshold == nil { throw ValidationError("a threshold alarm needs --threshold") }
        }

        func run() async throws {
            try await AlarmCommand.run {
                let body = try rule.apply(to: ["name": .string(name), "type": "threshold"])
                let created = try await options.client.send(.POST, "/v2/alarms", body: .object(body))
                AlarmCommand.showOne(created, json: options.json)
            }
        }
    }

    struct Update: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Change an alarm: the options given, the rest as it is.")
        @OptionGroup var options: ClientOptions
        @Argument(help: "Alarm id.") var id: String
        @Option(help: "New name.") var name: String?
        @OptionGroup var rule: RuleOptions

        func run() async throws {
            try await AlarmCommand.run {
                guard case .object(var alarm) = try await options.client.get("/v2/alarms/\(id)") else {
                    throw ValidationError("alarm \(id) came back as something other than an object")
                }
                if let name { alarm["name"] = .string(name) }
                alarm = try rule.apply(to: alarm)
                let updated = try await options.client.send(.PUT, "/v2/alarms/\(id)", body: .object(alarm))
                AlarmCommand.showOne(updated, json: options.json)
            }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete an alarm (its history stays).")
        @OptionGroup var options: ClientOptions
        @Argument(help: "Alarm id.") var id: String
        func run() async throws {
            try await AlarmCommand.run { _ = try await options.client.send(.DELETE, "/v2/alarms/\(id)") }
        }
    }

    struct State: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print an alarm's state, or set it with --set.")
        @OptionGroup var options: ClientOptions
        @Argument(help: "Alarm id.") var id: String
        @Option(help: "ok, alarm or 'insufficient data'.") var set: String?
        func run() async throws {
            try await AlarmCommand.run {
                let state = if let set {
                    try await options.client.send(.PUT, "/v2/alarms/\(id)/state", body: .string(set))
                } else {
                    try await options.client.get("/v2/alarms/\(id)/state")
                }
                print(options.json ? String(decoding: WireJSON.encode(state), as: UTF8.self) : AlarmCommand.text(state))
            }
        }
    }

    struct History: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "An alarm's history, newest first.")
        @OptionGroup var options: ClientOptions
        @Argument(help: "Alarm id.") var id: String
        func run() async throws {
            try await AlarmCommand.run {
                let history = try await options.client.get("/v2/alarms/\(id)/history")
                if options.json {
                    AlarmCommand.show(history, json: true)
                } else {
                    let rows: [JSONValue] = if case .array(let list) = history { list } else { [] }
                    FileHandle.standardOutput.write(Data(TableFormatter.render(rows, columns: [
                        (header: "Type", key: "type"), (header: "Timestamp", key: "timestamp"), (header: "Detail", key: "detail"),
                    ]).utf8))
                }
            }
        }
    }
}
