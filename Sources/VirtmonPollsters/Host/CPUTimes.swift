import VirtmonAgent

/// The aggregate `cpu` line of /proc/stat, in clock ticks since boot.
public struct CPUTimes: Sendable, Hashable {
    public var user: UInt64
    public var nice: UInt64
    public var system: UInt64
    public var idle: UInt64
    public var iowait: UInt64
    public var irq: UInt64
    public var softirq: UInt64
    public var steal: UInt64

    public init(
        user: UInt64, nice: UInt64, system: UInt64, idle: UInt64, iowait: UInt64 = 0, irq: UInt64 = 0,
        softirq: UInt64 = 0, steal: UInt64 = 0
    ) {
        self.user = user
        self.nice = nice
        self.system = system
        self.idle = idle
        self.iowait = iowait
        self.irq = irq
        self.softirq = softirq
        self.steal = steal
    }

    /// Guest time is already inside user and nice, so it is not added again.
    public var total: UInt64 { user + nice + system + idle + iowait + irq + softirq + steal }

    /// Parses the first (`cpu `) line of /proc/stat. Kernels before 2.6.11 lack steal and later fields; they
    /// count as zero.
    public static func parse(_ text: String) -> CPUTimes? {
        var found = false
        var values: [UInt64?] = []
        ProcFields.forEachLine(text) { fields in
            guard !found, let first = fields.next(), first.elementsEqual("cpu".utf8) else { return }
            found = true
            while let field = fields.next() { values.append(ProcFields.decimal(field)) }
        }
        guard found, values.count >= 4, !values.contains(where: { $0 == nil }) else { return nil }
        let v = values.map { $0! }
        func at(_ i: Int) -> UInt64 { i < v.count ? v[i] : 0 }
        return CPUTimes(
            user: at(0), nice: at(1), system: at(2), idle: at(3), iowait: at(4), irq: at(5), softirq: at(6),
            steal: at(7))
    }
}

/// Shares of CPU time between two reads of /proc/stat, in percent of all CPUs' time.
public struct CPUShares: Sendable, Hashable {
    public var user: Double
    public var system: Double
    public var iowait: Double
    public var steal: Double
    public var idle: Double

    /// Busy time: everything except idle and iowait, as `top` counts it.
    public var utilization: Double { max(0, 100 - idle - iowait) }

    /// The shares between `previous` and `current`, or nil when no time passed or every counter went back
    /// (the counters were reset, so the interval means nothing).
    ///
    /// A single counter that steps back (iowait does on some kernels) contributes zero for that interval
    /// rather than a negative share.
    public static func between(_ previous: CPUTimes, _ current: CPUTimes) -> CPUShares? {
        func delta(_ a: UInt64, _ b: UInt64) -> Double { b >= a ? Double(b - a) : 0 }
        guard current.total >= previous.total else { return nil }
        let user = delta(previous.user, current.user) + delta(previous.nice, current.nice)
        let system = delta(previous.system, current.system) + delta(previous.irq, current.irq)
            + delta(previous.softirq, current.softirq)
        let idle = delta(previous.idle, current.idle)
        let iowait = delta(previous.iowait, current.iowait)
        let steal = delta(previous.steal, current.steal)
        let total = user + system + idle + iowait + steal
        guard total > 0 else { return nil }
        return CPUShares(
            user: user / total * 100, system: system / total * 100, iowait: iowait / total * 100,
            steal: steal / total * 100, idle: idle / total * 100)
    }
}
