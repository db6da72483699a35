import Foundation

/// The UDP datagram (and AMQP message) form of a batch: one header line, then the JSON body.
///
/// `virtmon/1 <hex signature or ->\n<body>`. HTTP carries the same body with the signature in the
/// `X-Virtmon-Signature` header instead.
public struct SignedFrame: Sendable, Hashable {
    public static let magic = "virtmon/1"
    /// The HTTP header that carries the signature.
    public static let signatureHeader = "X-Virtmon-Signature"
    /// The content type of a frame carried as one AMQP message.
    public static let contentType = "application/vnd.virtmon.frame"

    public var signature: String?
    public var body: Data

    public init(signature: String?, body: Data) {
        self.signature = signature
        self.body = body
    }

    /// Header line and body as one datagram.
    public func encoded() -> Data {
        var data = Data("\(SignedFrame.magic) \(signature ?? "-")\n".utf8)
        data.append(body)
        return data
    }

    /// Why a datagram is not a frame.
    public enum DecodeError: Error, Equatable, CustomStringConvertible {
        case missingHeader
        case unknownMagic(String)
        case malformedSignature

        public var description: String {
            switch self {
            case .missingHeader: return "datagram has no 'virtmon/1 SIGNATURE' header line"
            case .unknownMagic(let magic): return "datagram starts with '\(magic)', expected '\(SignedFrame.magic)'"
            case .malformedSignature: return "signature is neither '-' nor 64 hex digits"
            }
        }
    }

    /// Splits a datagram into signature and body; the body is not parsed here.
    public static func decode(_ data: Data) throws(DecodeError) -> SignedFrame {
        guard let newline = data.prefix(200).firstIndex(of: UInt8(ascii: "\n")) else { throw .missingHeader }
        let header = String(decoding: data[data.startIndex..<newline], as: UTF8.self)
        let parts = header.split(separator: " ", omittingEmptySubsequences: false)
        guard parts.count == 2 else { throw .missingHeader }
        guard parts[0] == magic else { throw .unknownMagic(String(parts[0].prefix(32))) }
        let signature: String?
        if parts[1] == "-" {
            signature = nil
        } else if parts[1].count == 64, parts[1].allSatisfy(\.isHexDigit) {
            signature = String(parts[1])
        } else {
            throw .malformedSignature
        }
        return SignedFrame(signature: signature, body: Data(data[data.index(after: newline)...]))
    }
}
