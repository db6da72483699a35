import Foundation
import VirtmonAgent

/// The fixture trees beside these tests: `step1`…`step3` are one host read three times, counters moving
/// forward from 1 to 2 and reset (lower) from 2 to 3.
enum FixtureRoot {
    static func path(_ step: String) -> String {
        Bundle.module.resourceURL!.appendingPathComponent("Fixtures/\(step)").path
    }

    static func context(_ step: String, host: String = "node1", monotonic: Double = 0) -> PollContext {
        PollContext(
            host: host, timestamp: Date(timeIntervalSince1970: 1_763_700_000 + monotonic),
            monotonicTime: monotonic, procRoot: path(step) + "/proc", sysRoot: path(step) + "/sys")
    }
}
