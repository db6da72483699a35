import VirtmonAgent
import VirtmonModel

/// Host memory and swap from /proc/meminfo, in KB (kibibytes, as the file counts them and Ceilometer's
/// `hardware.memory.*` meters report).
public struct MemoryPollster: Pollster {
    public let name = "host.memory"
    /// Reads one /proc file.
    public var readsOnlyKernelTables: Bool { true }
    public init() {}

    static let total = MeterDefinition(
        name: "hardware.memory.total", type: .gauge, unit: "KB", summary: "Physical memory (MemTotal)",
        origin: "/proc/meminfo")
    static let used = MeterDefinition(
        name: "hardware.memory.used", type: .gauge, unit: "KB",
        summary: "Memory in use: MemTotal − MemAvailable, as free(1) counts it", origin: "/proc/meminfo")
    static let available = MeterDefinition(
        name: "hardware.memory.available", type: .gauge, unit: "KB",
        summary: "Memory available to new work without swapping (MemAvailable)", origin: "/proc/meminfo")
    static let free = MeterDefinition(
        name: "hardware.memory.free", type: .gauge, unit: "KB", summary: "Memory not used at all (MemFree)",
        origin: "/proc/meminfo")
    static let buffer = MeterDefinition(
        name: "hardware.memory.buffer", type: .gauge, unit: "KB", summary: "Block device buffers (Buffers)",
        origin: "/proc/meminfo")
    static let cached = MeterDefinition(
        name: "hardware.memory.cached", type: .gauge, unit: "KB", summary: "Page cache (Cached)",
        origin: "/proc/meminfo")
    static let swapTotal = MeterDefinition(
        name: "hardware.memory.swap.total", type: .gauge, unit: "KB", summary: "Swap space (SwapTotal)",
        origin: "/proc/meminfo")
    static let swapAvail = MeterDefinition(
        name: "hardware.memory.swap.avail", type: .gauge, unit: "KB", summary: "Unused swap (SwapFree)",
        origin: "/proc/meminfo")

    public var meters: [MeterDefinition] {
        [MemoryPollster.total, MemoryPollster.used, MemoryPollster.available, MemoryPollster.free,
         MemoryPollster.buffer, MemoryPollster.cached, MemoryPollster.swapTotal, MemoryPollster.swapAvail]
    }

    /// Every `Key: value kB` line of /proc/meminfo as kibibytes (lines without a unit, like HugePages_Total,
    /// are counts and kept as they are).
    public static func parse(_ text: String) -> [String: UInt64] {
        var values: [String: UInt64] = [:]
        ProcFields.forEachLine(text) { fields in
            guard let colon = fields.line.firstIndex(of: UInt8(ascii: ":")) else { return }
            var rest = ProcFields(fields.line[(colon + 1)...])
            guard let value = rest.nextUInt64() else { return }
            values[String(decoding: fields.line[..<colon], as: UTF8.self)] = value
        }
        return values
    }

    public func poll(_ context: PollContext) async throws -> [Sample] {
        let values = MemoryPollster.parse(try context.proc("meminfo"))
        guard let total = values["MemTotal"], let free = values["MemFree"] else {
            throw ProcFSError.malformed(path: context.procRoot + "/meminfo", reason: "no MemTotal or MemFree line")
        }
        let buffers = values["Buffers"] ?? 0
        let cached = values["Cached"] ?? 0
        // Kernels before 3.14 have no MemAvailable; free + buffers + cache is what tools used then.
        let available = min(total, values["MemAvailable"] ?? (free + buffers + cached))
        var samples = [
            context.sample(MemoryPollster.total, volume: Double(total)),
            context.sample(MemoryPollster.used, volume: Double(total - available)),
            context.sample(MemoryPollster.available, volume: Double(available)),
            context.sample(MemoryPollster.free, volume: Double(free)),
            context.sample(MemoryPollster.buffer, volume: Double(buffers)),
            context.sample(MemoryPollster.cached, volume: Double(cached)),
        ]
        if let swapTotal = values["SwapTotal"], let swapFree = values["SwapFree"] {
            samples.append(context.sample(MemoryPollster.swapTotal, volume: Double(swapTotal)))
            samples.append(context.sample(MemoryPollster.swapAvail, volume: Double(swapFree)))
        }
        return samples
    }
}
