import Foundation
import Testing
import VirtmonModel
@testable import VirtmonAgent

@Suite struct LatestReadingsTests {
    static func sample(_ name: String, _ resource: String, _ volume: Double) -> Sample {
        PollContext(host: "h").sample(meter(name), volume: volume, resourceID: resource)
    }

    @Test("a late pollster's reads replace their own series and leave the rest of the source's cycle alone")
    func lateReadsMerge() {
        let latest = LatestReadings()
        latest.record([Self.sample("cpu", "vm-1", 1), Self.sample("load", "h", 0.5)], source: "vm")
        latest.merge([Self.sample("cpu", "vm-1", 2), Self.sample("cpu", "vm-2", 7)], source: "vm")
        let now = latest.all().map { "\($0.name)/\($0.resourceID)=\($0.volume)" }.sorted()
        #expect(now == ["cpu/vm-1=2.0", "cpu/vm-2=7.0", "load/h=0.5"])
        // The next full cycle replaces everything again, late reads included.
        latest.record([Self.sample("load", "h", 0.25)], source: "vm")
        #expect(latest.all().map(\.name) == ["load"])
    }
}
