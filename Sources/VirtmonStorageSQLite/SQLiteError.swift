import Foundation

/// An SQLite call that failed, with SQLite's own message and what virtmon was doing.
public struct SQLiteError: Error, Sendable, CustomStringConvertible {
    public var code: Int32
    public var message: String
    public var context: String
    /// The database file, when the failure is about the disk under it.
    public var file: String?
    /// For a damaged file: SQLite's own check of it, with each damaged b-tree named by its table or index.
    public var damage: String?

    public init(code: Int32, message: String, context: String, file: String? = nil, damage: String? = nil) {
        self.code = code
        self.message = message
        self.context = context
        self.file = file
        self.damage = damage
    }

    /// SQLITE_CORRUPT or SQLITE_NOTADB: the file's pages are not what SQLite wrote.
    public var isDamaged: Bool { code & 0xff == 11 || code & 0xff == 26 }

    /// SQLITE_FULL, with or without an extended code.
    public var isDiskFull: Bool { code & 0xff == 13 }

    public var description: String {
        let plain = "SQLite error \(code) while \(context): \(message)"
        if isDamaged, let file {
            // "database disk image is malformed" alone says neither where nor what to do.
            return "the database file \(file) is damaged (\(plain))" + (damage.map { "; SQLite's check of it: \($0)" } ?? "")
                + "; stop the collector, keep the file, and restore a backup or copy what is readable into a new file "
                + "(docs/operations.md, \"A damaged database file\")"
        }
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
