import Foundation

/// Which meters a source takes, in Ceilometer's polling syntax: shell globs (`hardware.cpu.*`), `*` for all,
/// and `!glob` to leave meters out. With only exclusions, everything else is taken.
public struct MeterSelector: Sendable, Hashable, CustomStringConvertible {
    public let included: [String]
    public let excluded: [String]

    /// Why a list of patterns is not a selector.
    public enum PatternError: Error, Equatable, CustomStringConvertible {
        case empty
        case emptyPattern
        public var description: String {
            switch self {
            case .empty: return "meter list is empty: use '*' for every meter"
            case .emptyPattern: return "meter pattern is empty"
            }
        }
    }

    public init(_ patterns: [String]) throws(PatternError) {
        guard !patterns.isEmpty else { throw .empty }
        var included: [String] = []
        var excluded: [String] = []
        for raw in patterns {
            let pattern = raw.trimmingCharacters(in: .whitespaces)
            if pattern.hasPrefix("!") {
                let rest = String(pattern.dropFirst())
                guard !rest.isEmpty else { throw .emptyPattern }
                excluded.append(rest)
            } else {
                guard !pattern.isEmpty else { throw .emptyPattern }
                included.append(pattern)
            }
        }
        self.included = included
        self.excluded = excluded
    }

    /// Every meter.
    public static let all: MeterSelector = try! MeterSelector(["*"])  // literal pattern list, cannot fail

    /// Whether `meter` is taken.
    public func matches(_ meter: String) -> Bool {
        if excluded.contains(where: { MeterSelector.glob($0, meter) }) { return false }
        if included.isEmpty { return true }
        return included.contains(where: { MeterSelector.glob($0, meter) })
    }

    public var description: String { (included + excluded.map { "!" + $0 }).joined(separator: ", ") }

    static func glob(_ pattern: String, _ name: String) -> Bool {
        fnmatch(pattern, name, 0) == 0
    }
}
