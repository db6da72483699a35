/// One line of /proc/mounts.
public struct MountEntry: Sendable, Hashable {
    public var device: String
    public var mountPoint: String
    public var fsType: String

    /// Every mount, with the octal escapes the kernel writes for spaces, tabs and backslashes undone.
    public static func parse(_ text: String) -> [MountEntry] {
        text.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ")
            guard fields.count >= 3 else { return nil }
            return MountEntry(
                device: unescape(fields[0]), mountPoint: unescape(fields[1]), fsType: String(fields[2]))
        }
    }

    /// The filesystem types /proc/filesystems marks `nodev`: kernel and memory filesystems with no storage
    /// device behind them.
    public static func pseudoFilesystems(_ text: String) -> Set<String> {
        var result: Set<String> = []
        for line in text.split(separator: "\n") {
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            if fields.count == 2, fields[0] == "nodev" { result.insert(String(fields[1])) }
        }
        return result
    }

    static func unescape(_ field: Substring) -> String {
        guard field.contains("\\") else { return String(field) }
        var bytes: [UInt8] = []
        let raw = Array(field.utf8)
        var index = 0
        while index < raw.count {
            if raw[index] == UInt8(ascii: "\\"), index + 3 < raw.count,
                let value = UInt8(String(decoding: raw[(index + 1)...(index + 3)], as: UTF8.self), radix: 8)
            {
                bytes.append(value)
                index += 4
            } else {
                bytes.append(raw[index])
                index += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
