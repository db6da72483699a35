/// Why a body is not a virtmon batch: where (a path such as `samples[3].counter_volume`, and the byte offset)
/// and what was wrong.
public struct WireDecodeError: Error, Sendable, Equatable, CustomStringConvertible {
    public var path: String
    public var offset: Int
    public var message: String

    public init(path: String, offset: Int, message: String) {
        self.path = path
        self.offset = offset
        self.message = message
    }

    public var description: String {
        path.isEmpty ? "\(message) (at byte \(offset))" : "\(path): \(message) (at byte \(offset))"
    }
}
