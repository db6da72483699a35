import Foundation

/// The files one cycle has read, so that pollsters sharing a file (`/proc/stat`, `/proc/meminfo`) see the same
/// bytes and the file is read once per cycle.
public actor FileSnapshot {
    private var cache: [String: String] = [:]

    public init() {}

    /// The text of `path`, read on first use in this cycle.
    public func read(_ path: String) throws(ProcFSError) -> String {
        if let text = cache[path] { return text }
        let text = try FileSnapshot.readFile(path)
        cache[path] = text
        return text
    }

    /// Reads a whole file. Files under /proc report size 0, so this reads until end of file rather than
    /// trusting the size.
    public static func readFile(_ path: String) throws(ProcFSError) -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw ProcFSError.unreadable(path: path, reason: String(cString: strerror(errno)))
        }
        defer { try? handle.close() }
        do {
            let data = try handle.readToEnd() ?? Data()
            return String(decoding: data, as: UTF8.self)
        } catch {
            throw ProcFSError.unreadable(path: path, reason: "\(error)")
        }
    }
}
