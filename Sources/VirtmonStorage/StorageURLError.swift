/// A storage location that cannot be used, and why.
public struct StorageURLError: Error, Sendable, CustomStringConvertible {
    public var url: String
    public var reason: String

    public init(url: String, reason: String) {
        self.url = url
        self.reason = reason
    }

    public var description: String { "storage \(url): \(reason)" }
}
