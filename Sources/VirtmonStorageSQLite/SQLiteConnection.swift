import CSQLite
import Foundation
import VirtmonStorage

/// One SQLite connection and its prepared statements. Not thread-safe by itself: each instance is owned by
/// exactly one actor (`SQLiteChunkBackend`'s writer or reader), which serialises every call.
final class SQLiteConnection {
    private var handle: OpaquePointer?
    private var cache: [String: OpaquePointer] = [:]
    let path: String
    /// Set while `damageReport` runs its own statements, which fail on the same damage: no report of a report.
    private var diagnosing = false

    init(path: String, readOnly: Bool = false) throws(SQLiteError) {
        self.path = path
        let flags = (readOnly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)) | SQLITE_OPEN_NOMUTEX
        let status = sqlite3_open_v2(path, &handle, flags, nil)
        guard status == SQLITE_OK else {
            let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
            sqlite3_close_v2(handle)
            handle = nil
            throw SQLiteError(code: status, message: message, context: "opening \(path)")
        }
        sqlite3_busy_timeout(handle, 10_000)
    }

    deinit {
        for statement in cache.values { sqlite3_finalize(statement) }
        sqlite3_close_v2(handle)
    }

    /// Runs statements that take no parameters and return nothing of interest.
    func execute(_ sql: String) throws(SQLiteError) {
        var errorMessage: UnsafeMutablePointer<CChar>?
        let status = sqlite3_exec(handle, sql, nil, nil, &errorMessage)
        guard status == SQLITE_OK else {
            let message = errorMessage.map { String(cString: $0) } ?? lastMessage
            sqlite3_free(errorMessage)
            throw SQLiteError(code: status, message: message, context: "running \(sql.prefix(80))", file: path, damage: damageReport(after: status))
        }
    }

    /// SQLite's quick check of the file (its first problems), each "Tree N" named by the table or index whose
    /// b-tree has root page N, when `status` says the file is damaged (what `SQLiteError.isDamaged` tests); nil
    /// for any other failure or when even the check cannot run.
    private func damageReport(after status: Int32) -> String? {
        guard SQLiteError(code: status, message: "", context: "").isDamaged, !diagnosing else { return nil }
        diagnosing = true
        defer { diagnosing = false }
        var names: [Int64: String] = [:]
        var problems: [String] = []
        do {
            // On a connection of its own: this one's cursors are left in the error and fail the check too.
            let checker = try SQLiteConnection(path: path, readOnly: true)
            checker.diagnosing = true
            try? checker.query("SELECT rootpage, type, name FROM sqlite_schema WHERE rootpage > 0") { row in
                names[row.int64(0)] = "\(row.optionalText(1) ?? "b-tree") \(row.optionalText(2) ?? "?")"
            }
            try checker.query("PRAGMA quick_check(8)") { problems.append($0.optionalText(0) ?? "") }
        } catch let error as SQLiteError {
            // The check can report its findings and then fail on the same damage: the findings are the news.
            if problems.isEmpty { return "quick_check itself failed: \(error.message)" }
        } catch {
            return nil
        }
        // Its first row opens with a "*** in database main ***" line of its own.
        problems = problems.flatMap { $0.split(separator: "\n").map(String.init) }.filter { !$0.hasPrefix("*** in database") }
        if problems == ["ok"] { return "quick_check finds no damage now" }
        return problems.map { line in
            guard let range = line.range(of: #"Tree (\d+)"#, options: .regularExpression),
                  let root = Int64(line[range].dropFirst(5)), let name = names[root] else { return line }
            return line.replacingCharacters(in: range, with: "Tree \(root) (\(name))")
        }.joined(separator: "; ")
    }

    /// Runs `body` in one `BEGIN IMMEDIATE` transaction: committed when it returns, rolled back when it throws.
    func transaction<T>(_ body: () throws -> T) throws -> T {
        try execute("BEGIN IMMEDIATE")
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }

    /// Rows changed by the last statement.
    var changes: Int { Int(sqlite3_changes(handle)) }

    private var lastMessage: String { String(cString: sqlite3_errmsg(handle)) }

    /// Runs a statement with bindings, handing each result row to `row`.
    func query(_ sql: String, _ bindings: [SQLValue] = [], row: (SQLiteRow) throws -> Void = { _ in }) throws {
        let statement = try prepared(sql)
        defer {
            sqlite3_reset(statement)
            sqlite3_clear_bindings(statement)
        }
        try bind(bindings, to: statement, sql: sql)
        while true {
            let status = sqlite3_step(statement)
            if status == SQLITE_DONE { return }
            guard status == SQLITE_ROW else {
                let message = lastMessage
                throw SQLiteError(code: status, message: message, context: "running \(sql.prefix(80))", file: path, damage: damageReport(after: status))
            }
            try row(SQLiteRow(statement: statement))
        }
    }

    private func prepared(_ sql: String) throws(SQLiteError) -> OpaquePointer {
        if let statement = cache[sql] { return statement }
        var statement: OpaquePointer?
        let status = sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil)
        guard status == SQLITE_OK, let statement else {
            throw SQLiteError(code: status, message: lastMessage, context: "preparing \(sql.prefix(80))")
        }
        // Ad-hoc query text varies with its filters; only keep a bounded number of statements.
        if cache.count > 200 {
            for old in cache.values { sqlite3_finalize(old) }
            cache.removeAll()
        }
        cache[sql] = statement
        return statement
    }

    private func bind(_ values: [SQLValue], to statement: OpaquePointer, sql: String) throws(SQLiteError) {
        for (offset, value) in values.enumerated() {
            let index = Int32(offset + 1)
            let status: Int32 = switch value {
            case .null: sqlite3_bind_null(statement, index)
            case .integer(let number): sqlite3_bind_int64(statement, index, number)
            case .real(let number): sqlite3_bind_double(statement, index, number)
            case .text(let text): sqlite3_bind_text(statement, index, text, -1, SQLiteConnection.transient)
            case .blob(let bytes):
                bytes.withUnsafeBytes { sqlite3_bind_blob(statement, index, $0.baseAddress ?? UnsafeRawPointer(bitPattern: 1), Int32($0.count), SQLiteConnection.transient) }
            }
            guard status == SQLITE_OK else {
                throw SQLiteError(code: status, message: lastMessage, context: "binding parameter \(index) of \(sql.prefix(80))")
            }
        }
    }

    /// SQLITE_TRANSIENT: SQLite copies the text before the call returns, so Swift's temporary buffer may go.
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
}

/// The current row of a running statement; valid only inside the row callback.
struct SQLiteRow: StorageRow {
    let statement: OpaquePointer

    func int64(_ column: Int) -> Int64 { sqlite3_column_int64(statement, Int32(column)) }
    func double(_ column: Int) -> Double { sqlite3_column_double(statement, Int32(column)) }
    func blob(_ column: Int) -> [UInt8] {
        let count = Int(sqlite3_column_bytes(statement, Int32(column)))
        guard count > 0, let bytes = sqlite3_column_blob(statement, Int32(column)) else { return [] }
        return Array(UnsafeRawBufferPointer(start: bytes, count: count))
    }
    func optionalText(_ column: Int) -> String? {
        guard let bytes = sqlite3_column_text(statement, Int32(column)) else { return nil }
        return String(cString: bytes)
    }
}
