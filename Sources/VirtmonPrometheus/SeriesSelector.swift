import Foundation

/// A PromQL series selector as `/federate?match[]=` takes it: `name`, `name{label="v",…}` or `{…}`, with the
/// matchers `=`, `!=`, `=~` and `!~` (regular expressions anchored at both ends, as PromQL's are).
public struct SeriesSelector: Sendable {
    public enum Operator: String, Sendable {
        case equal = "=", notEqual = "!=", matches = "=~", notMatches = "!~"
    }

    public struct Matcher: Sendable {
        public let label: String
        public let op: Operator
        public let value: String
        let regex: NSRegularExpression?

        func matches(_ actual: String) -> Bool {
            switch op {
            case .equal: return actual == value
            case .notEqual: return actual != value
            case .matches, .notMatches:
                let range = NSRange(actual.startIndex..., in: actual)
                let whole = regex?.firstMatch(in: actual, options: [.anchored], range: range).map { $0.range == range } ?? false
                return op == .matches ? whole : !whole
            }
        }
    }

    public let matchers: [Matcher]

    /// The metric name the selector asks for exactly, if it does.
    public var exactName: String? {
        matchers.first { $0.label == "__name__" && $0.op == .equal }?.value
    }

    /// Why a selector could not be read: what and where.
    public struct ParseError: Error, CustomStringConvertible {
        public var description: String
    }

    public init(parsing text: String) throws(ParseError) {
        var scanner = Scanner(Array(text.unicodeScalars), text: text)
        var matchers: [Matcher] = []
        scanner.skipSpaces()
        let name = scanner.identifier(allowColon: true)
        if !name.isEmpty { matchers.append(try SeriesSelector.matcher("__name__", .equal, name, in: text)) }
        scanner.skipSpaces()
        if scanner.peek == "{" {
            scanner.advance()
            while true {
                scanner.skipSpaces()
                if scanner.peek == "}" {
                    scanner.advance()
                    break
                }
                let label = scanner.identifier(allowColon: false)
                guard !label.isEmpty else { throw scanner.error("a label name") }
                scanner.skipSpaces()
                guard let op = scanner.matchOperator() else { throw scanner.error("=, !=, =~ or !~ after '\(label)'") }
                scanner.skipSpaces()
                let value = try scanner.quoted()
                matchers.append(try SeriesSelector.matcher(label, op, value, in: text))
                scanner.skipSpaces()
                if scanner.peek == "," {
                    scanner.advance()
                    continue
                }
                guard scanner.peek == "}" else { throw scanner.error("',' or '}'") }
            }
        }
        scanner.skipSpaces()
        guard scanner.atEnd else { throw scanner.error("the end of the selector") }
        guard !matchers.isEmpty else { throw ParseError(description: "selector '\(text)' is empty; give a metric name or {label=\"value\"}") }
        // PromQL refuses a selector that every series matches, since it would select everything by accident.
        guard matchers.contains(where: { !$0.matches("") }) else {
            throw ParseError(description: "selector '\(text)' matches every series (each matcher accepts an empty value); add a matcher that needs a value, such as a metric name")
        }
        self.matchers = matchers
    }

    /// Whether a series with `name` and `labels` is selected (a missing label is the empty value).
    public func matches(name: String, labels: [ExpositionSeries.Label]) -> Bool {
        matchers.allSatisfy { matcher in
            let actual = matcher.label == "__name__" ? name : labels.first { $0.name == matcher.label }?.value ?? ""
            return matcher.matches(actual)
        }
    }

    private static func matcher(_ label: String, _ op: Operator, _ value: String, in text: String) throws(ParseError) -> Matcher {
        var regex: NSRegularExpression?
        if op == .matches || op == .notMatches {
            do {
                regex = try NSRegularExpression(pattern: "^(?:" + value + ")$")
            } catch {
                throw ParseError(description: "selector '\(text)': '\(value)' is not a valid regular expression")
            }
        }
        return Matcher(label: label, op: op, value: value, regex: regex)
    }

    private struct Scanner {
        let scalars: [Unicode.Scalar]
        let text: String
        var position = 0

        init(_ scalars: [Unicode.Scalar], text: String) {
            self.scalars = scalars
            self.text = text
        }

        var atEnd: Bool { position >= scalars.count }
        var peek: Unicode.Scalar? { atEnd ? nil : scalars[position] }
        mutating func advance() { position += 1 }
        mutating func skipSpaces() { while let c = peek, c == " " || c == "\t" || c == "\n" { advance() } }

        mutating func identifier(allowColon: Bool) -> String {
            var out = ""
            while let c = peek {
                let letter = (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || c == "_" || (allowColon && c == ":")
                let digit = c >= "0" && c <= "9"
                guard letter || (digit && !out.isEmpty) else { break }
                out.unicodeScalars.append(c)
                advance()
            }
            return out
        }

        mutating func matchOperator() -> Operator? {
            guard let first = peek else { return nil }
            let second = position + 1 < scalars.count ? scalars[position + 1] : nil
            switch (first, second) {
            case ("=", "~"): position += 2; return .matches
            case ("!", "="): position += 2; return .notEqual
            case ("!", "~"): position += 2; return .notMatches
            case ("=", _): position += 1; return .equal
            default: return nil
            }
        }

        mutating func quoted() throws(ParseError) -> String {
            guard let quote = peek, quote == "\"" || quote == "'" || quote == "`" else { throw error("a quoted label value") }
            advance()
            var out = ""
            while let c = peek {
                advance()
                if c == quote { return out }
                if c == "\\", quote != "`", let next = peek {
                    advance()
                    switch next {
                    case "n": out += "\n"
                    case "t": out += "\t"
                    default: out.unicodeScalars.append(next)
                    }
                    continue
                }
                out.unicodeScalars.append(c)
            }
            throw ParseError(description: "selector '\(text)': a label value is not closed (missing \(quote))")
        }

        func error(_ expected: String) -> ParseError {
            let found = peek.map { "'\(Character($0))'" } ?? "the end"
            return ParseError(description: "selector '\(text)': expected \(expected) at character \(position + 1), found \(found)")
        }
    }
}
