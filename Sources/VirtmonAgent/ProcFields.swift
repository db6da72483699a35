/// The whitespace-separated fields of one line of a /proc file, read in order straight from its bytes.
///
/// /proc files are ASCII tables re-read every cycle. Splitting them into Swift substrings and parsing each with
/// `UInt64(_:)` cost about a tenth of the agent's host cycle (String index validation, array allocation per
/// line); a cursor over the line's bytes allocates nothing until a field is kept as a String.
public struct ProcFields {
    /// The line, without its newline.
    public let line: Slice<UnsafeBufferPointer<UInt8>>
    private var position: Int

    /// A cursor at the start of `line` (or of any part of one).
    public init(_ line: Slice<UnsafeBufferPointer<UInt8>>) {
        self.line = line
        position = line.startIndex
    }

    private static func isBlank(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 }

    /// The next field, or nil at the end of the line.
    public mutating func next() -> Slice<UnsafeBufferPointer<UInt8>>? {
        let end = line.endIndex
        while position < end, ProcFields.isBlank(line[position]) { position += 1 }
        guard position < end else { return nil }
        let start = position
        while position < end, !ProcFields.isBlank(line[position]) { position += 1 }
        return line[start..<position]
    }

    /// The next field as a String.
    public mutating func nextString() -> String? {
        next().map { String(decoding: $0, as: UTF8.self) }
    }

    /// The next field as an unsigned decimal; nil at the end of the line or when the field is not one (the
    /// field is consumed either way).
    public mutating func nextUInt64() -> UInt64? {
        guard let field = next() else { return nil }
        return ProcFields.decimal(field)
    }

    /// Skips `count` fields; false when the line ended first.
    public mutating func skip(_ count: Int) -> Bool {
        for _ in 0..<count where next() == nil { return false }
        return true
    }

    /// `bytes` as an unsigned decimal, nil when it is empty, holds anything but digits or overflows.
    public static func decimal(_ bytes: Slice<UnsafeBufferPointer<UInt8>>) -> UInt64? {
        guard !bytes.isEmpty else { return nil }
        var value: UInt64 = 0
        for byte in bytes {
            let digit = byte &- 0x30
            guard digit < 10 else { return nil }
            let (times, overflowTimes) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflowSum) = times.addingReportingOverflow(UInt64(digit))
            guard !overflowTimes, !overflowSum else { return nil }
            value = sum
        }
        return value
    }

    /// Calls `body` with the fields of each non-empty line of `text`, in order.
    public static func forEachLine(_ text: String, _ body: (inout ProcFields) throws -> Void) rethrows {
        var text = text
        try text.withUTF8 { bytes in
            var start = 0
            while start < bytes.count {
                var end = start
                while end < bytes.count, bytes[end] != 0x0A { end += 1 }
                if end > start {
                    var fields = ProcFields(bytes[start..<end])
                    try body(&fields)
                }
                start = end + 1
            }
        }
    }
}
