import Testing
@testable import VirtmonAgent

@Suite struct ProcFieldsTests {
    /// Every line's fields as strings, through the cursor.
    private func table(_ text: String) -> [[String]] {
        var lines: [[String]] = []
        ProcFields.forEachLine(text) { fields in
            var line: [String] = []
            while let field = fields.nextString() { line.append(field) }
            lines.append(line)
        }
        return lines
    }

    @Test func linesAndFieldsSplitOnSpacesAndTabsWithEmptyLinesSkipped() {
        #expect(table("cpu  1 2\t3\n\n  eth0:\t 9 \nlast") == [["cpu", "1", "2", "3"], ["eth0:", "9"], ["last"]])
        #expect(table("") == [])
        #expect(table("\n\n") == [])
        #expect(table("   \n") == [[]], "a line of blanks has no fields")
    }

    @Test func decimalsRefuseSignsLettersEmptyAndOverflow() {
        func parse(_ text: String) -> [UInt64?] {
            var values: [UInt64?] = []
            ProcFields.forEachLine(text) { fields in
                while let field = fields.next() { values.append(ProcFields.decimal(field)) }
            }
            return values
        }
        #expect(parse("0 42 18446744073709551615") == [0, 42, UInt64.max])
        #expect(parse("18446744073709551616 99999999999999999999 -1 +1 1x 0x10") == [nil, nil, nil, nil, nil, nil])
    }

    @Test func skipAndSubCursors() {
        ProcFields.forEachLine("  8 0 sda 1 2\n") { fields in
            let skipped = fields.skip(2)
            let name = fields.nextString()
            let first = fields.nextUInt64()
            let skippedPastTheEnd = fields.skip(2)
            #expect(skipped && name == "sda" && first == 1)
            #expect(!skippedPastTheEnd, "only one field was left")
        }
        ProcFields.forEachLine("MemTotal:  100 kB") { fields in
            let colon = fields.line.firstIndex(of: UInt8(ascii: ":"))!
            var value = ProcFields(fields.line[(colon + 1)...])
            let number = value.nextUInt64()
            let unit = value.nextString()
            let end = value.next()
            #expect(number == 100 && unit == "kB" && end == nil)
        }
    }
}
