import Foundation
import VirtmonModel

/// Turns JSON lists into aligned text tables for the CLI.
public enum TableFormatter {
    /// One row per object, one column per (header, key); missing values print as empty.
    public static func render(_ rows: [JSONValue], columns: [(header: String, key: String)]) -> String {
        let cells = rows.map { row in columns.map { cell(row, key: $0.key) } }
        var widths = columns.map { $0.header.count }
        for row in cells { for (index, text) in row.enumerated() { widths[index] = max(widths[index], text.count) } }
        func line(_ texts: [String]) -> String {
            zip(texts, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  ")
                .trimmingCharacters(in: .whitespaces)
        }
        var output = [line(columns.map(\.header)), line(widths.map { String(repeating: "-", count: $0) })]
        output += cells.map(line)
        return output.joined(separator: "\n") + "\n"
    }

    /// A value at a dotted key, as text.
    static func cell(_ row: JSONValue, key: String) -> String {
        var current = row
        for part in key.split(separator: ".") {
            guard case .object(let object) = current, let next = object[String(part)] else { return "" }
            current = next
        }
        return text(current)
    }

    public static func text(_ value: JSONValue) -> String {
        switch value {
        case .null: return ""
        case .string(let text): return text
        case .number(let number):
            if let whole = number.exactInteger { return String(whole) }
            return String(format: "%.4g", number).contains("e") ? String(number) : String((number * 10_000).rounded() / 10_000)
        case .bool(let flag): return flag ? "true" : "false"
        case .array, .object: return String(decoding: WireJSON.encode(value), as: UTF8.self)
        }
    }

    /// One object as a two-column table of its keys (sorted) and values.
    public static func properties(_ value: JSONValue) -> String {
        guard case .object(let object) = value else { return text(value) + "\n" }
        let rows: [JSONValue] = object.keys.sorted().map { key in .object(["property": .string(key), "value": .string(text(object[key] ?? .null))]) }
        return render(rows, columns: [(header: "Property", key: "property"), (header: "Value", key: "value")])
    }
}
