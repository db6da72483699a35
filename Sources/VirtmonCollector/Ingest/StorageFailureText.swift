/// What a store failure says to an operator: a store's own error text where it has one (SQLite's and the
/// chunk engine's describe themselves), else the error's reflection, which postgres-nio fills with the
/// server's message and SQLSTATE where its plain description is a placeholder.
enum StorageFailureText {
    static func describe(_ error: any Error) -> String {
        let plain = "\(error)"
        if plain.contains("Generic description to prevent accidental leakage") { return String(reflecting: error) }
        return plain
    }
}
