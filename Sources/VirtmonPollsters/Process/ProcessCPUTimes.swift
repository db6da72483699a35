import Foundation

/// A process's CPU time split into its vCPU threads and everything else, in clock ticks.
public struct ProcessCPUTimes: Sendable, Hashable {
    /// All threads together (utime + stime of /proc/PID/stat).
    public var totalTicks: UInt64
    /// Threads named as vCPUs (see `isVCPUThread`).
    public var vcpuTicks: UInt64
    public var vcpuThreads: Int

    public var outsideVCPUTicks: UInt64 { totalTicks >= vcpuTicks ? totalTicks - vcpuTicks : 0 }

    /// utime + stime from a /proc/PID/stat or /proc/PID/task/TID/stat line. The command name sits in
    /// parentheses and may itself hold spaces and parentheses, so fields are counted after the last ')'.
    public static func ticks(stat text: String) -> UInt64? {
        guard let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        // After ')': state is field 3 of the full line, utime 14, stime 15 → indexes 11 and 12 here.
        guard fields.count > 12, let user = UInt64(fields[11]), let system = UInt64(fields[12]) else { return nil }
        return user + system
    }

    /// Whether a thread name is a hypervisor's name for a vCPU thread: QEMU's and StratoVirt's `CPU 0/KVM`
    /// or `CPU 0/TCG` (QEMU names threads only with `-name …,debug-threads=on`, which libvirt always sets),
    /// Firecracker's `fc_vcpu 0`, Cloud Hypervisor's `vcpu0`.
    public static func isVCPUThread(_ comm: String) -> Bool {
        let name = comm.trimmingCharacters(in: .newlines)
        func number(_ text: Substring) -> Bool { !text.isEmpty && text.allSatisfy(\.isNumber) }
        if name.hasPrefix("CPU "), let slash = name.firstIndex(of: "/") {
            let accelerator = name[name.index(after: slash)...]
            return number(name[name.index(name.startIndex, offsetBy: 4)..<slash])
                && (accelerator == "KVM" || accelerator == "TCG")
        }
        if name.hasPrefix("fc_vcpu ") { return number(name.dropFirst(8)) }
        if name.hasPrefix("vcpu") { return number(name.dropFirst(4)) }
        return false
    }

    /// Percent of one CPU spent outside vCPU threads between two reads `seconds` apart; nil when no thread is
    /// named as a vCPU (guest time could not be told apart) or the reads do not make an interval.
    public static func outsidePercent(from earlier: ProcessCPUTimes, to later: ProcessCPUTimes, seconds: Double,
                                      ticksPerSecond: Double) -> Double? {
        guard later.vcpuThreads > 0, seconds > 0 else { return nil }
        // The total and the threads are read one after the other, so "outside" can step back a tick between
        // two snapshots; that is no time spent, not an error.
        let ticks = later.outsideVCPUTicks >= earlier.outsideVCPUTicks ? later.outsideVCPUTicks - earlier.outsideVCPUTicks : 0
        return Double(ticks) / ticksPerSecond / seconds * 100
    }
}
