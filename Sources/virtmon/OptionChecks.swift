import ArgumentParser
import Foundation
import VirtmonServer

/// Checks of command-line values shared by several commands, each failing with a message that says what
/// was given and what is accepted (bad usage exits 2).
enum OptionChecks {
    static let logLevels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]

    static func logLevel(_ value: String?) throws {
        guard let value else { return }
        guard logLevels.contains(value) else {
            throw ValidationError("--log-level must be one of \(logLevels.joined(separator: ", ")); got '\(value)'")
        }
    }

    /// Intervals: a duration of at least 10 ms.
    static func interval(_ value: String?) throws {
        guard let value else { return }
        guard ConfigDuration.parse(value) != nil else {
            throw ValidationError("--interval '\(value)' is not a usable interval: give seconds or a duration of at least 10ms, such as 10, 2.5, 500ms or 1m")
        }
    }

    /// A statistics period: whole seconds, 0 or more.
    static func period(_ value: String?) throws {
        guard let value else { return }
        guard let seconds = Int64(value), seconds >= 0 else {
            throw ValidationError("--period must be a whole number of seconds, 0 or more; got '\(value)'")
        }
    }

    /// A collector URL: http(s)://HOST[:PORT].
    static func endpoint(_ value: String?) throws {
        guard let value else { return }
        guard let url = URLComponents(string: value), ["http", "https"].contains(url.scheme ?? ""), url.host?.isEmpty == false else {
            throw ValidationError("--endpoint must be a URL such as http://HOST:PORT (with the scheme); got '\(value)'")
        }
    }
}
