import Testing
@testable import VirtmonPrometheus

@Suite("Series selectors (/federate's match[])")
struct SeriesSelectorTests {
    static let labels: [ExpositionSeries.Label] = [.init("domain", "web-1"), .init("target_device", "vda")]

    @Test("names, each matcher, anchored regular expressions and quoting")
    func matching() throws {
        let name = "libvirt_domain_block_stats_read_bytes_total"
        #expect(try SeriesSelector(parsing: name).matches(name: name, labels: Self.labels))
        #expect(try SeriesSelector(parsing: name).exactName == name)
        #expect(try SeriesSelector(parsing: "{domain=\"web-1\"}").matches(name: name, labels: Self.labels))
        #expect(try !SeriesSelector(parsing: "\(name){domain!=\"web-1\"}").matches(name: name, labels: Self.labels))
        #expect(try SeriesSelector(parsing: "{__name__=~\"libvirt_.*\", target_device=~'vd.'}").matches(name: name, labels: Self.labels))
        #expect(try !SeriesSelector(parsing: "{domain=~\"web\"}").matches(name: name, labels: Self.labels))
        #expect(try SeriesSelector(parsing: "\(name){domain!~\"db-.*\"}").matches(name: name, labels: Self.labels))
        #expect(try SeriesSelector(parsing: "{domain=\"a\\\"b\"}").matchers.first?.value == "a\"b")
        #expect(try SeriesSelector(parsing: " node_load1 { } ").exactName == "node_load1")
    }

    @Test("a selector that cannot be read says what and where")
    func errors() {
        for (text, message) in [
            ("{domain=}", "expected a quoted label value at character 9, found '}'"),
            ("{domain \"x\"}", "expected =, !=, =~ or !~ after 'domain' at character 9"),
            ("{domain=\"x\"", "expected ',' or '}' at character 12, found the end"),
            ("{domain=\"x}", "a label value is not closed"),
            ("{}", "is empty"),
            ("{domain=~\".*\"}", "matches every series"),
            ("{domain=~\"(\"}", "is not a valid regular expression"),
            ("up junk", "expected the end of the selector at character 4"),
        ] {
            do {
                _ = try SeriesSelector(parsing: text)
                Issue.record("'\(text)' was accepted")
            } catch {
                #expect(error.description.contains(message), "\(text): \(error.description)")
            }
        }
    }
}
