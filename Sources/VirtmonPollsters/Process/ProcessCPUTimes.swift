/// A process's CPU time split into its vCPU threads and everything else, in clock ticks.
public struct ProcessCPUTimes: Sendable, Hashable {
    /// All threads together (utime + stime of /proc/PID/stat).
    public var totalTicks: UInt64
    /// Threads named `CPU n/KVM` or `CPU n/TCG`: the guest's vCPUs.
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

    /// Whether a thread name is QEMU's (or StratoVirt's) name for a vCPU thread.
    public static func isVCPUThread(_ comm: String) -> Bool {
        let name = comm.trimmingCharacters(in: "\n")
        guard name.hasPrefix("CPU "), let slash = name.firstIndex(of: "/") else { return false }
        let index = name[name.index(name.startIndex, offsetBy: 4)..<slash]
        let accelerator = name[name.index(after: slash)...]
        return !index.isEmpty && index.allSatisfy(\.isNumber) && (accelerator == "KVM" || accelerator == "TCG")
    }

    /// Percent of one CPU spent outside vCPU threads between two reads `seconds` apart.
    public static func outsidePercent(from earlier: ProcessCPUTimes, to later: ProcessCPUTimes, seconds: Double,
                                      ticksPerSecond: Double) -> Double? {
        guard seconds > 0, later.outsideVCPUTicks >= earlier.outsideVCPUTicks else { return nil }
        return Double(later.outsideVCPUTicks - earlier.outsideVCPUTicks) / ticksPerSecond / seconds * 100
    }
}

extension String {
    func trimmingCharacters(in set: Character) -> String {
        var text = Substring(self)
        while text.last == set { text = text.dropLast() }
        return String(text)
    }
}
