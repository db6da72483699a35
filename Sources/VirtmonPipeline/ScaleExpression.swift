import VirtmonModel

/// A small arithmetic expression over a sample, in the subset of Python that Ceilometer's pipeline scale
/// settings use: numbers, `volume`, `resource_metadata.key[.sub]`, `+ - * / % **`, parentheses and `or`
/// (`resource_metadata.cpu_number or 1`).
///
/// Parsed once when the configuration is read, so that a typo is refused at start-up with its position.
public struct ScaleExpression: Sendable, Hashable, CustomStringConvertible {
    indirect enum Node: Sendable, Hashable {
        case number(Double)
        case volume
        case metadata([String])
        case negate(Node)
        case binary(Character, Node, Node)
        case power(Node, Node)
        case or(Node, Node)
    }

    /// Why an expression does not parse or evaluate.
    public struct Error: Swift.Error, Equatable, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    public let source: String
    let root: Node

    public var description: String { source }

    public init(_ source: String) throws(ScaleExpression.Error) {
        self.source = source
        var parser = Parser(text: Array(source.unicodeScalars))
        let node = try parser.parseOr()
        parser.skipSpaces()
        guard parser.index == parser.text.count else {
            throw Error(message: "unexpected '\(parser.rest)' at column \(parser.index + 1) of '\(source)'")
        }
        root = node
    }

    /// The value for `sample`; a metadata key that is missing counts as Python's None (false in `or`).
    public func evaluate(_ sample: Sample) throws(ScaleExpression.Error) -> Double {
        guard let value = try ScaleExpression.evaluate(root, sample) else {
            throw Error(message: "'\(source)' has no value for resource \(sample.resourceID)")
        }
        return value
    }

    private static func evaluate(_ node: Node, _ sample: Sample) throws(ScaleExpression.Error) -> Double? {
        switch node {
        case .number(let value): return value
        case .volume: return sample.volume
        case .metadata(let path):
            var current: JSONValue? = .object(sample.resourceMetadata)
            for key in path {
                guard case .object(let object)? = current else { return nil }
                current = object[key]
            }
            return current?.doubleValue
        case .negate(let inner):
            return try evaluate(inner, sample).map { -$0 }
        case .or(let left, let right):
            if let value = try evaluate(left, sample), value != 0 { return value }
            return try evaluate(right, sample)
        case .power(let base, let exponent):
            guard let b = try evaluate(base, sample), let e = try evaluate(exponent, sample) else {
                throw Error(message: "'**' on a missing metadata value")
            }
            return pow(b, e)
        case .binary(let op, let left, let right):
            guard let l = try evaluate(left, sample), let r = try evaluate(right, sample) else {
                throw Error(message: "'\(op)' on a missing metadata value")
            }
            switch op {
            case "+": return l + r
            case "-": return l - r
            case "*": return l * r
            case "/":
                guard r != 0 else { throw Error(message: "division by zero") }
                return l / r
            default:
                guard r != 0 else { throw Error(message: "modulo by zero") }
                return l.truncatingRemainder(dividingBy: r)
            }
        }
    }

    struct Parser {
        let text: [Unicode.Scalar]
        var index = 0

        var rest: String { String(String.UnicodeScalarView(text[index...])) }

        mutating func skipSpaces() {
            while index < text.count, text[index] == " " || text[index] == "\t" { index += 1 }
        }

        mutating func take(_ token: String) -> Bool {
            skipSpaces()
            let scalars = Array(token.unicodeScalars)
            guard index + scalars.count <= text.count, Array(text[index..<index + scalars.count]) == scalars else {
                return false
            }
            // A word operator must not be the start of a longer name.
            if token.first!.isLetter, index + scalars.count < text.count,
                isNameScalar(text[index + scalars.count])
            {
                return false
            }
            index += scalars.count
            return true
        }

        func isNameScalar(_ s: Unicode.Scalar) -> Bool {
            s == "_" || s == "." || s == "-" || (s.properties.isAlphabetic) || ("0"..."9").contains(s)
        }

        mutating func parseOr() throws(ScaleExpression.Error) -> Node {
            var node = try parseSum()
            while take("or") { node = .or(node, try parseSum()) }
            return node
        }

        mutating func parseSum() throws(ScaleExpression.Error) -> Node {
            var node = try parseProduct()
            while true {
                if take("+") { node = .binary("+", node, try parseProduct()) }
                else if take("-") { node = .binary("-", node, try parseProduct()) }
                else { return node }
            }
        }

        mutating func parseProduct() throws(ScaleExpression.Error) -> Node {
            var node = try parseUnary()
            while true {
                skipSpaces()
                // '**' binds tighter and is handled in parsePower; do not read its first '*' here.
                if index + 1 < text.count, text[index] == "*", text[index + 1] == "*" { return node }
                if take("*") { node = .binary("*", node, try parseUnary()) }
                else if take("/") { node = .binary("/", node, try parseUnary()) }
                else if take("%") { node = .binary("%", node, try parseUnary()) }
                else { return node }
            }
        }

        mutating func parseUnary() throws(ScaleExpression.Error) -> Node {
            if take("-") { return .negate(try parseUnary()) }
            if take("+") { return try parseUnary() }
            return try parsePower()
        }

        mutating func parsePower() throws(ScaleExpression.Error) -> Node {
            let base = try parseAtom()
            if take("**") { return .power(base, try parseUnary()) }
            return base
        }

        mutating func parseAtom() throws(ScaleExpression.Error) -> Node {
            skipSpaces()
            guard index < text.count else {
                throw ScaleExpression.Error(message: "expression ends where a value was expected")
            }
            if take("(") {
                let inner = try parseOr()
                guard take(")") else {
                    throw ScaleExpression.Error(message: "missing ')' at column \(index + 1)")
                }
                return inner
            }
            let start = index
            if ("0"..."9").contains(text[index]) || text[index] == "." {
                while index < text.count,
                    ("0"..."9").contains(text[index]) || text[index] == "." || text[index] == "e"
                        || text[index] == "E"
                        || ((text[index] == "-" || text[index] == "+") && index > start
                            && (text[index - 1] == "e" || text[index - 1] == "E"))
                {
                    index += 1
                }
                let literal = String(String.UnicodeScalarView(text[start..<index]))
                guard let value = Double(literal) else {
                    throw ScaleExpression.Error(message: "'\(literal)' is not a number (column \(start + 1))")
                }
                return .number(value)
            }
            while index < text.count, text[index] == "_" || text[index] == "." || text[index].properties.isAlphabetic
                || ("0"..."9").contains(text[index])
            {
                index += 1
            }
            let name = String(String.UnicodeScalarView(text[start..<index]))
            if name == "volume" { return .volume }
            if name.hasPrefix("resource_metadata.") {
                let path = name.dropFirst("resource_metadata.".count).split(separator: ".").map(String.init)
                guard !path.isEmpty else {
                    throw ScaleExpression.Error(message: "'resource_metadata.' needs a key (column \(start + 1))")
                }
                return .metadata(path)
            }
            if name.isEmpty {
                throw ScaleExpression.Error(
                    message: "unexpected '\(text[index])' at column \(index + 1); expected a number, volume, "
                        + "resource_metadata.KEY or '('")
            }
            throw ScaleExpression.Error(
                message: "unknown name '\(name)' at column \(start + 1); use volume or resource_metadata.KEY")
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
