/// Why VM metering is off: libvirt is not installed, or too old, or the daemon cannot be reached.
public struct LibvirtUnavailable: Error, Sendable, CustomStringConvertible {
    public var reason: String

    public init(_ reason: String) {
        self.reason = reason
    }

    public var description: String { reason }
}

/// A libvirt call that failed, with libvirt's own message.
public struct LibvirtError: Error, Sendable, CustomStringConvertible {
    public var call: String
    public var message: String

    /// Set where virtmon, not libvirt, knows what kind of failure it is (no daemon's socket before libvirt is
    /// loaded); otherwise the kind is read from libvirt's message.
    let knownKind: Kind?

    public init(call: String, message: String) {
        self.call = call
        self.message = message
        knownKind = nil
    }

    init(call: String, message: String, kind: Kind) {
        self.call = call
        self.message = message
        knownKind = kind
    }

    public var description: String { "\(call): \(message)" }
}
