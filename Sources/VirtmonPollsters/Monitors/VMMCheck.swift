import Foundation

/// `virtmon check vmm`: every hypervisor process on the host with its memory split into guest RAM and
/// overhead, its CPU outside vCPU threads, and whether either is over its limit.
public enum VMMCheck {
    public struct Options: Sendable {
        public var pids: [Int32] = []
        public var guestMemoryLimitKiB: UInt64 = 128 * 1024
        public var maxOverheadKiB: UInt64 = 256 * 1024
        public var maxCPUPercent = 50.0
        /// How far apart the two CPU reads are.
        public var cpuInterval: Duration = .seconds(1)
        public var procRoot = "/proc"
        public var libvirtRunDir = "/run/libvirt"
        public init() {}
    }

    /// One process's verdict. Encoded with the keys `--json` promises.
    public struct Row: Sendable, Codable, Equatable {
        public var pid: Int32
        public var name: String
        public var domain: String?
        public var rssKiB: UInt64
        /// Resident KiB of the mappings counted as guest RAM.
        public var guestRAMKiB: UInt64
        public var overheadKiB: UInt64
        /// Mappings this large or larger were counted as guest RAM.
        public var guestMemoryLimitKiB: UInt64
        public var cpuOutsideVCPUPercent: Double?
        public var exceeded: Bool

        enum CodingKeys: String, CodingKey {
            case pid, name, domain, exceeded
            case rssKiB = "rss_kib"
            case guestRAMKiB = "guest_ram_kib"
            case overheadKiB = "overhead_kib"
            case guestMemoryLimitKiB = "guest_memory_limit_kib"
            case cpuOutsideVCPUPercent = "cpu_outside_vcpus_percent"
        }
    }

    /// A PID that was asked for is not a running process.
    public struct MissingProcess: Error, CustomStringConvertible {
        public var pids: [Int32]
        public var description: String {
            "no such process: " + pids.map { "pid \($0)" }.joined(separator: ", ")
        }
    }

    public static func run(_ options: Options) async throws -> [Row] {
        let processes = VMMDiscovery.find(procRoot: options.procRoot, libvirtRunDir: options.libvirtRunDir,
                                          explicitPIDs: options.pids)
        let missing = options.pids.filter { pid in !processes.contains { $0.pid == pid } }
        guard missing.isEmpty else { throw MissingProcess(pids: missing) }
        let ticksPerSecond = Double(sysconf(Int32(_SC_CLK_TCK)))
        let firstCPU = processes.map { try? $0.cpuTimes(procRoot: options.procRoot) }
        let started = ContinuousClock.now
        if !processes.isEmpty { try await Task.sleep(for: options.cpuInterval) }
        let elapsed = (ContinuousClock.now - started).inSeconds
        var rows: [Row] = []
        for (index, process) in processes.enumerated() {
            // Gone since discovery: nothing to report for it.
            guard let (memory, limit) = try? process.memory(procRoot: options.procRoot,
                                                             defaultLimitKiB: options.guestMemoryLimitKiB)
            else { continue }
            var cpu: Double?
            if let first = firstCPU[index], let second = try? process.cpuTimes(procRoot: options.procRoot) {
                cpu = ProcessCPUTimes.outsidePercent(from: first, to: second, seconds: elapsed,
                                                     ticksPerSecond: ticksPerSecond)
            }
            let exceeded = memory.overheadKiB >= options.maxOverheadKiB || (cpu ?? 0) > options.maxCPUPercent
            rows.append(Row(
                pid: process.pid, name: process.program, domain: process.domain, rssKiB: memory.rssKiB,
                guestRAMKiB: memory.guestResidentKiB, overheadKiB: memory.overheadKiB, guestMemoryLimitKiB: limit,
                cpuOutsideVCPUPercent: cpu, exceeded: exceeded))
        }
        return rows
    }

    /// The rows as a table for people.
    public static func table(_ rows: [Row], options: Options) -> String {
        guard !rows.isEmpty else { return "no hypervisor processes found\n" }
        func size(_ kib: UInt64) -> String {
            kib >= 1024 * 1024 ? String(format: "%.2f GiB", Double(kib) / 1048576)
                : kib >= 1024 ? String(format: "%.1f MiB", Double(kib) / 1024) : "\(kib) KiB"
        }
        let header = ["PID", "NAME", "DOMAIN", "RSS", "GUEST RAM", "OVERHEAD", "CPU OUTSIDE VCPUS", "VERDICT"]
        var lines = [header]
        for row in rows {
            var verdict: [String] = []
            if row.overheadKiB >= options.maxOverheadKiB { verdict.append("memory over \(size(options.maxOverheadKiB))") }
            if let cpu = row.cpuOutsideVCPUPercent, cpu > options.maxCPUPercent {
                verdict.append("cpu over \(options.maxCPUPercent) %")
            }
            lines.append([
                "\(row.pid)", row.name, row.domain ?? "-", size(row.rssKiB), size(row.guestRAMKiB), size(row.overheadKiB),
                row.cpuOutsideVCPUPercent.map { String(format: "%.1f %%", $0) } ?? "n/a",
                verdict.isEmpty ? "ok" : "EXCEEDED: " + verdict.joined(separator: ", "),
            ])
        }
        let widths = header.indices.map { column in lines.map { $0[column].count }.max() ?? 0 }
        var text = lines.map { line in
            line.enumerated().map { column, cell in
                column == line.count - 1 ? cell : cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }.joined(separator: "\n") + "\n"
        if rows.contains(where: { $0.cpuOutsideVCPUPercent == nil }) {
            text += "n/a: no thread named as a vCPU (CPU n/KVM); QEMU names them with -name …,debug-threads=on, "
                + "as libvirt starts it\n"
        }
        return text
    }

    /// The rows as a JSON array.
    public static func json(_ rows: [Row]) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        return String(decoding: try encoder.encode(rows), as: UTF8.self) + "\n"
    }
}
