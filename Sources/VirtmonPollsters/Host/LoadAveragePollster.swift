import VirtmonAgent
import VirtmonModel

/// The 1, 5 and 15 minute load averages from /proc/loadavg.
public struct LoadAveragePollster: Pollster {
    public let name = "host.load"
    /// Reads one /proc file.
    public var readsOnlyKernelTables: Bool { true }
    public init() {}

    static let oneMinute = MeterDefinition(
        name: "hardware.cpu.load.1min", type: .gauge, unit: "process",
        summary: "Load average over 1 minute", origin: "/proc/loadavg")
    static let fiveMinutes = MeterDefinition(
        name: "hardware.cpu.load.5min", type: .gauge, unit: "process",
        summary: "Load average over 5 minutes", origin: "/proc/loadavg")
    static let fifteenMinutes = MeterDefinition(
        name: "hardware.cpu.load.15min", type: .gauge, unit: "process",
        summary: "Load average over 15 minutes", origin: "/proc/loadavg")

    public var meters: [MeterDefinition] {
        [LoadAveragePollster.oneMinute, LoadAveragePollster.fiveMinutes, LoadAveragePollster.fifteenMinutes]
    }

    /// The three averages, or nil when the text is not `/proc/loadavg`'s.
    public static func parse(_ text: String) -> (Double, Double, Double)? {
        let fields = text.split(whereSeparator: { $0 == " " || $0 == "\n" })
        guard fields.count >= 3, let a = Double(fields[0]), let b = Double(fields[1]), let c = Double(fields[2]),
            a >= 0, b >= 0, c >= 0
        else { return nil }
        return (a, b, c)
    }

    public func poll(_ context: PollContext) async throws -> [Sample] {
        guard let (one, five, fifteen) = LoadAveragePollster.parse(try context.proc("loadavg")) else {
            throw ProcFSError.malformed(path: context.procRoot + "/loadavg", reason: "expected three averages")
        }
        return [
            context.sample(LoadAveragePollster.oneMinute, volume: one),
            context.sample(LoadAveragePollster.fiveMinutes, volume: five),
            context.sample(LoadAveragePollster.fifteenMinutes, volume: fifteen),
        ]
    }
}
