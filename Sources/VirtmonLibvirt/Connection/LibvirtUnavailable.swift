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

    public init(call: String, message: String) {
        self.call = call
        self.message = message
    }

    public var description: String { "\(call): \(message)" }
}
