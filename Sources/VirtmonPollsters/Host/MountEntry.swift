import VirtmonAgent

/// One line of /proc/mounts.
public struct MountEntry: Sendable, Hashable {
    public var device: String
    public var mountPoint: String
    public var fsType: String

    /// Every mount, with the octal escapes the kernel writes for spaces, tabs and backslashes undone.
    public static func parse(_ text: String) -> [MountEntry] {
        var result: [MountEntry] = []
        ProcFields.forEachLine(text) { fields in
            guard let device = fields.next(), let mountPoint = fields.next(), let fsType = fields.next() else { return }
            result.append(MountEntry(
                device: unescape(device), mountPoint: unescape(mountPoint),
                fsType: String(decoding: fsType, as: UTF8.self)))
        }
        return result
    }

    /// The filesystem types /proc/filesystems marks `nodev`: kernel and memory filesystems with no storage
    /// device behind them.
    public static func pseudoFilesystems(_ text: String) -> Set<String> {
        var result: Set<String> = []
        ProcFields.forEachLine(text) { fields in
            guard let first = fields.next(), first.elementsEqual("nodev".utf8), let type = fields.nextString(),
                  fields.next() == nil else { return }
            result.insert(type)
        }
        return result
    }

    /// A field with the kernel's `\ooo` octal escapes undone.
    static func unescape(_ field: Slice<UnsafeBufferPointer<UInt8>>) -> String {
        guard field.contains(UInt8(ascii: "\\")) else { return String(decoding: field, as: UTF8.self) }
        var bytes: [UInt8] = []
        var index = field.startIndex
        while index < field.endIndex {
            if field[index] == UInt8(ascii: "\\"), index + 3 < field.endIndex,
               let value = octal(field[(index + 1)...(index + 3)])
            {
                bytes.append(value)
                index += 4
            } else {
                bytes.append(field[index])
                index += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func octal(_ digits: Slice<UnsafeBufferPointer<UInt8>>) -> UInt8? {
        var value: UInt16 = 0
        for digit in digits {
            guard digit >= 0x30, digit <= 0x37 else { return nil }
            value = value * 8 + UInt16(digit - 0x30)
        }
        return value <= 255 ? UInt8(value) : nil
    }
}
