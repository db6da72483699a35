/// A TLS file that cannot be used, with the setting that named it.
public struct TLSFileError: Error, CustomStringConvertible {
    public var setting: String
    public var path: String
    public var problem: String

    public var description: String { "\(setting) \(path) \(problem)" }
}
