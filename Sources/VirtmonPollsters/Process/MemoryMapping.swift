import Foundation

/// One mapping of a process, from /proc/PID/smaps: its size and how much of it is resident, in KiB.
public struct MemoryMapping: Sendable, Hashable {
    public var start: UInt64
    public var end: UInt64
    public var sizeKiB: UInt64
    public var rssKiB: UInt64
    /// The file, or `[heap]`, `[stack]`, or empty for anonymous memory.
    public var name: String

    /// Every mapping in smaps text. Header lines start with an address range; the `Size:` and `Rss:` lines
    /// that follow belong to it.
    public static func parse(smaps text: String) -> [MemoryMapping] {
        var mappings: [MemoryMapping] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            guard let first = line.first else { continue }
            if first.isHexDigit, let dash = line.firstIndex(of: "-"), line[..<dash].allSatisfy(\.isHexDigit) {
                let fields = line.split(separator: " ", maxSplits: 5, omittingEmptySubsequences: true)
                let range = fields[0].split(separator: "-")
                guard range.count == 2, let start = UInt64(range[0], radix: 16), let end = UInt64(range[1], radix: 16)
                else { continue }
                let name = fields.count >= 6 ? fields[5].trimmingCharacters(in: .whitespaces) : ""
                mappings.append(MemoryMapping(start: start, end: end, sizeKiB: (end - start) / 1024, rssKiB: 0, name: name))
            } else if line.hasPrefix("Size:"), !mappings.isEmpty {
                mappings[mappings.count - 1].sizeKiB = kib(line)
            } else if line.hasPrefix("Rss:"), !mappings.isEmpty {
                mappings[mappings.count - 1].rssKiB = kib(line)
            }
        }
        return mappings
    }

    private static func kib(_ line: Substring) -> UInt64 {
        line.split(separator: " ").dropFirst().first.flatMap { UInt64($0) } ?? 0
    }
}

/// A VMM's resident memory split into guest RAM and the VMM's own overhead.
public struct MemoryOverhead: Sendable, Hashable {
    /// Resident KiB of every mapping smaller than the guest-RAM limit: the VMM's own memory.
    public var overheadKiB: UInt64
    /// Resident KiB of the mappings left out: guest RAM (and anything else as large).
    public var guestResidentKiB: UInt64
    /// All resident KiB.
    public var rssKiB: UInt64 { overheadKiB + guestResidentKiB }

    /// Splits mappings at `limitKiB`: a mapping strictly smaller than the limit counts as overhead. The
    /// guest-RAM mapping is as large as the guest's memory, so with the guest's size as the limit it is left out.
    public init(mappings: [MemoryMapping], limitKiB: UInt64) {
        var overhead: UInt64 = 0
        var guest: UInt64 = 0
        for mapping in mappings {
            if mapping.sizeKiB < limitKiB { overhead += mapping.rssKiB } else { guest += mapping.rssKiB }
        }
        overheadKiB = overhead
        guestResidentKiB = guest
    }
}
