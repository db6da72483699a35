/// Why a /proc or /sys read gave nothing usable. Says which file and what was wrong with it.
public enum ProcFSError: Error, Equatable, CustomStringConvertible {
    /// The file could not be opened or read.
    case unreadable(path: String, reason: String)
    /// The file was read but did not have the expected shape.
    case malformed(path: String, reason: String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason): return "cannot read \(path): \(reason)"
        case .malformed(let path, let reason): return "unexpected content in \(path): \(reason)"
        }
    }
}
