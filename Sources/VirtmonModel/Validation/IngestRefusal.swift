/// Why a batch was not stored; each reason has its own counter and its own answer.
public enum IngestRefusal: String, Sendable, CaseIterable, Error, CustomStringConvertible {
    /// Not a virtmon frame, not JSON, or JSON of the wrong shape.
    case malformed
    /// Larger than the collector accepts.
    case oversized
    /// A secret is set and the batch carries no signature.
    case unsigned
    /// The signature does not match the body.
    case badSignature = "bad_signature"
    /// `sent_at` lies outside the clock window.
    case stale
    /// A format version this collector does not know.
    case unknownVersion = "unknown_version"
    /// A sample or event with a value the store must not hold (non-finite volume, absurd timestamp, …).
    case invalid
    /// The store failed; the agent keeps the batch and retries.
    case storageFailure = "storage_failure"
    /// A project token named a resource of another project.
    case foreignResource = "foreign_resource"
    /// A project token's write would pass the project's series bound.
    case seriesQuota = "series_quota"

    /// The HTTP status an HTTP sender gets.
    public var httpStatus: Int {
        switch self {
        case .malformed, .invalid, .unknownVersion, .stale: 400
        case .oversized: 413
        case .unsigned, .badSignature: 401
        case .foreignResource, .seriesQuota: 403
        case .storageFailure: 503
        }
    }

    public var description: String { rawValue }
}

/// A refusal with the detail that tells the sender what to fix.
public struct IngestError: Error, Sendable, CustomStringConvertible {
    public var reason: IngestRefusal
    public var detail: String

    public init(_ reason: IngestRefusal, _ detail: String) {
        self.reason = reason
        self.detail = detail
    }

    public var description: String { "\(reason): \(detail)" }
}
