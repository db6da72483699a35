import ArgumentParser
import Foundation
import VirtmonModel
import VirtmonServer
import VirtmonCLI

/// Where the collector is and how to print: shared by every query command.
struct ClientOptions: ParsableArguments {
    @Option(name: .long, help: "Collector URL (env VIRTMON_ENDPOINT; default http://127.0.0.1:8777).")
    var endpoint: String?
    @Option(name: .long, help: "API token (env VIRTMON_TOKEN; default the one `virtmon up` keeps in its data dir).")
    var token: String?
    @Flag(name: .long, help: "Print JSON instead of a table.")
    var json = false

    var client: APIClient { APIClient(endpoint: endpoint, token: token, dataDir: AgentConfig.defaultDataDir()) }

    func validate() throws {
        try OptionChecks.endpoint(endpoint)
    }

    /// Fetches and prints; failures go to stderr with exit 1. An empty answer stays `[]` (or an empty table)
    /// with exit 0, for scripts, and stderr says so — naming an unknown meter, since that is the usual cause.
    func show(_ path: String, _ query: [(String, String)], columns: [(String, String)], meter: String? = nil) async throws {
        do {
            let value = try await client.get(path, query)
            if case .array(let rows) = value, rows.isEmpty {
                var note = "virtmon: nothing matched"
                if let meter, case .array(let known)? = try? await client.get("/api/v1/meters", [("meter", meter)]), known.isEmpty {
                    note = "virtmon: no meter named '\(meter)' among those this token can see (`virtmon meter list` shows them)"
                } else if !query.isEmpty {
                    note += " the filters"
                }
                FileHandle.standardError.write(Data("\(note)\n".utf8))
            }
            if json {
                FileHandle.standardOutput.write(Data(WireJSON.encode(value) + [UInt8(ascii: "\n")]))
            } else {
                let rows: [JSONValue] = if case .array(let list) = value { list } else { [value] }
                FileHandle.standardOutput.write(Data(TableFormatter.render(rows, columns: columns.map { (header: $0.0, key: $0.1) }).utf8))
            }
        } catch {
            FileHandle.standardError.write(Data("virtmon: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}

/// `-q field=value;field>value` as Ceilometer's CLI writes it, into q.* parameters.
enum SimpleQuery {
    static func parameters(_ text: String?) throws -> [(String, String)] {
        guard let text, !text.isEmpty else { return [] }
        var result: [(String, String)] = []
        for clause in text.split(separator: ";") {
            let operators = [("<=", "le"), (">=", "ge"), ("!=", "ne"), ("=", "eq"), ("<", "lt"), (">", "gt")]
            guard let (symbol, op) = operators.first(where: { clause.contains($0.0) }),
                  let range = clause.range(of: symbol)
            else { throw ValidationError("query clause '\(clause)' needs one of = != < <= > >=") }
            let field = clause[..<range.lowerBound].trimmingCharacters(in: .whitespaces)
            let value = clause[range.upperBound...].trimmingCharacters(in: .whitespaces)
            result += [("q.field", field), ("q.op", op), ("q.value", value)]
        }
        return result
    }
}

struct MeterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "meter", abstract: "Meters in the collector.", subcommands: [List.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List meters (one row per meter and resource).")
        @OptionGroup var options: ClientOptions
        @Option(name: .shortAndLong, help: "Filter: field=value;field>value (resource_id, project_id, metadata.KEY, …).")
        var query: String?

        func run() async throws {
            try await options.show("/v2/meters", try SimpleQuery.parameters(query), columns: [
                ("Name", "name"), ("Type", "type"), ("Unit", "unit"), ("Resource ID", "resource_id"),
                ("Project ID", "project_id"), ("User ID", "user_id"),
            ])
        }
    }
}

struct SampleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "sample", abstract: "Samples in the collector.", subcommands: [List.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List samples, newest first.")
        @OptionGroup var options: ClientOptions
        @Option(name: .shortAndLong, help: "Meter name.")
        var meter: String?
        @Option(name: .shortAndLong, help: "Filter: field=value;timestamp>2026-11-21T10:00:00.")
        var query: String?
        @Option(name: .shortAndLong, help: "At most this many (default 100).")
        var limit: Int?

        func run() async throws {
            var parameters = try SimpleQuery.parameters(query)
            if let meter { parameters += [("q.field", "meter"), ("q.op", "eq"), ("q.value", meter)] }
            if let limit { parameters.append(("limit", String(limit))) }
            try await options.show("/v2/samples", parameters, columns: [
                ("Resource ID", "resource_id"), ("Name", "meter"), ("Type", "type"), ("Volume", "volume"), ("Unit", "unit"),
                ("Timestamp", "timestamp"),
            ], meter: meter)
        }
    }
}

struct StatisticsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "statistics", abstract: "Statistics of a meter per period and group.")
    @OptionGroup var options: ClientOptions
    @Option(name: .shortAndLong, help: "Meter name.")
    var meter: String
    // Unconditional, so that `-p -5` reaches the check below instead of reading as a missing value.
    @Option(name: .shortAndLong, parsing: .unconditional, help: "Period in seconds (0 or absent: one row over everything).")
    var period: String?

    func validate() throws {
        try OptionChecks.period(period)
    }
    @Option(name: .shortAndLong, help: "Group by (repeatable): resource_id, project_id, user_id, source, resource_metadata.KEY.")
    var groupby: [String] = []
    @Option(name: .shortAndLong, help: "Aggregate (repeatable): avg, min, max, sum, count, stddev, cardinality<-FIELD.")
    var aggregate: [String] = []
    @Option(name: .shortAndLong, help: "Filter: field=value;timestamp>2026-11-21T10:00:00.")
    var query: String?

    func run() async throws {
        var parameters = try SimpleQuery.parameters(query)
        if let period { parameters.append(("period", period)) }
        parameters += groupby.map { ("groupby", $0) }
        var columns: [(String, String)] = [("Period", "period"), ("Period Start", "period_start"), ("Period End", "period_end")]
        if !groupby.isEmpty { columns.append(("Group By", "groupby")) }
        if aggregate.isEmpty {
            columns += [("Max", "max"), ("Min", "min"), ("Avg", "avg"), ("Sum", "sum"), ("Count", "count")]
        }
        for text in aggregate {
            let parts = text.components(separatedBy: "<-")
            parameters.append(("aggregate.func", parts[0]))
            if parts.count > 1 { parameters.append(("aggregate.param", parts[1])) }
            let key = parts.count > 1 ? "\(parts[0])/\(parts[1])" : parts[0]
            columns.append((key, "aggregate.\(key)"))
        }
        columns += [("Duration", "duration"), ("Duration Start", "duration_start"), ("Duration End", "duration_end")]
        let path = "/v2/meters/\(meter.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? meter)/statistics"
        try await options.show(path, parameters, columns: columns, meter: meter)
    }
}

struct ResourceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "resource", abstract: "Resources in the collector.", subcommands: [List.self, Show.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List resources.")
        @OptionGroup var options: ClientOptions
        @Option(name: .shortAndLong, help: "Filter: project_id=…;metadata.KEY=….")
        var query: String?

        func run() async throws {
            try await options.show("/v2/resources", try SimpleQuery.parameters(query) + [("meter_links", "0")], columns: [
                ("Resource ID", "resource_id"), ("Source", "source"), ("User ID", "user_id"), ("Project ID", "project_id"),
                ("Last Sample", "last_sample_timestamp"),
            ])
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one resource.")
        @OptionGroup var options: ClientOptions
        @Argument(help: "Resource id.")
        var id: String

        func run() async throws {
            let path = "/v2/resources/\(id.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(["/"])) ?? id)"
            try await options.show(path, [], columns: [
                ("Resource ID", "resource_id"), ("Project ID", "project_id"), ("User ID", "user_id"), ("Source", "source"),
                ("First Sample", "first_sample_timestamp"), ("Last Sample", "last_sample_timestamp"), ("Metadata", "metadata"),
            ])
        }
    }
}

struct EventCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "event", abstract: "Monitor events in the collector.", subcommands: [List.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List events, newest first.")
        @OptionGroup var options: ClientOptions
        @Option(name: .long, help: "Event type (memory_usage, cpu_usage, liveness, host_memory).")
        var type: String?
        @Option(name: .long, help: "info, error or fatal.")
        var level: String?
        @Option(name: .long, help: "Host name.")
        var host: String?
        @Option(name: .long, help: "Only events at or after this time (ISO 8601).")
        var since: String?
        @Option(name: .shortAndLong, help: "At most this many (default 100).")
        var limit: Int?

        func run() async throws {
            var parameters: [(String, String)] = []
            if let type { parameters.append(("type", type)) }
            if let level { parameters.append(("level", level)) }
            if let host { parameters.append(("host", host)) }
            if let since { parameters.append(("since", since)) }
            if let limit { parameters.append(("limit", String(limit))) }
            try await options.show("/api/v1/events", parameters, columns: [
                ("Time", "time"), ("Level", "level"), ("Type", "type"), ("Host", "host"), ("Resource", "resource"), ("Message", "message"),
            ])
        }
    }
}
