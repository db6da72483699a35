import Foundation

/// An SQLite call that failed, with SQLite's own message and what virtmon was doing.
public struct SQLiteError: Error, Sendable, CustomStringConvertible {
    public var code: Int32
    public var message: String
    public var context: String
    /// The database file, when the failure is about the disk under it.
    public var file: String?

    public init(code: Int32, message: String, context: String, file: String? = nil) {
        self.code = code
        self.message = message
        self.context = context
        self.file = file
    }

    /// SQLITE_FULL, with or without an extended code.
    public var isDiskFull: Bool { code & 0xff == 13 }

    public var description: String {
        let plain = "SQLite error \(code) while \(context): \(message)"
        guard isDiskFull, let file else { return plain }
        // Name the disk and what is left on it: "database or disk is full" alone sends operators hunting.
        let directory = (file as NSString).deletingLastPathComponent
        var free = ""
        if let attributes = try? FileManager.default.attributesOfFileSystem(forPath: directory),
           let bytes = attributes[.systemFreeSize] as? NSNumber {
            free = ", \(bytes.int64Value) bytes free"
        }
        return "no space left on the disk holding \(directory) (\(plain)\(free)); nothing of this write was stored: free space there and it resumes by itself"
    }
}
