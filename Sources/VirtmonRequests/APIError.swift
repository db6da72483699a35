/// An error an API handler answers with: status and message. Ceilometer routes render it in Ceilometer's
/// `error_message.faultstring` shape, the own API as `{"error": …}`.
public struct APIError: Error, Sendable, CustomStringConvertible {
    public var status: Int
    public var message: String

    public init(_ status: Int, _ message: String) {
        self.status = status
        self.message = message
    }

    public static func badRequest(_ message: String) -> APIError { APIError(400, message) }
    public static func notFound(_ message: String) -> APIError { APIError(404, message) }
    public static func forbidden(_ message: String) -> APIError { APIError(403, message) }

    public var description: String { "\(status): \(message)" }
}
