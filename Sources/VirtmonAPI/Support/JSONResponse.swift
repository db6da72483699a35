import Foundation
import Hummingbird
import NIOCore
import VirtmonModel
import VirtmonRequests

/// JSON answers, written by virtmon's own encoder (sorted keys, whole numbers without a fraction).
enum JSONResponse {
    static func make(_ value: JSONValue, status: Int = 200) -> Response {
        make(bytes: WireJSON.encode(value), status: status)
    }

    static func make(bytes: [UInt8], status: Int = 200) -> Response {
        Response(
            status: HTTPResponse.Status(code: status),
            headers: [.contentType: "application/json; charset=UTF-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    static func text(_ text: String, contentType: String = "text/plain; charset=utf-8", status: Int = 200) -> Response {
        Response(
            status: HTTPResponse.Status(code: status), headers: [.contentType: contentType],
            body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    /// An error in Ceilometer's shape, which its client prints.
    static func ceilometerError(_ error: APIError) -> Response {
        make(.object(["error_message": .object([
            "faultstring": .string(error.message), "faultcode": .string(error.status < 500 ? "Client" : "Server"),
            "debuginfo": .null,
        ])]), status: error.status)
    }

    /// An error in the own API's shape.
    static func error(_ error: APIError) -> Response {
        make(.object(["error": .string(error.message), "status": .number(Double(error.status))]), status: error.status)
    }
}

extension JSONValue {
    /// Text or null.
    static func optional(_ text: String?) -> JSONValue { text.map(JSONValue.string) ?? .null }
}
