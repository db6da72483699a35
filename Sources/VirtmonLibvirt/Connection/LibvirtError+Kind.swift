/// What kind of trouble a libvirt failure is, read from libvirt's own message, so that the agent says each
/// state once in words an operator can act on: no daemon (wait for it), no permission (fix the user), a
/// test driver file that is not there (fix the URI), or something else.
extension LibvirtError {
    public enum Kind: Sendable, Equatable {
        /// Nothing listens on the daemon's socket: libvirtd (or virtqemud) is not running.
        case daemonDown(socket: String?)
        /// The socket is there but this user may not use it.
        case permissionDenied(socket: String?)
        /// The test driver's XML file does not exist or cannot be read.
        case missingFile(path: String?)
        case other
    }

    public var kind: Kind {
        if let knownKind { return knownKind }
        let text = message.lowercased()
        let quoted = LibvirtError.firstQuoted(message)
        if text.contains("failed to connect socket") || text.contains("connect socket") {
            if text.contains("permission denied") { return .permissionDenied(socket: quoted) }
            if text.contains("no such file") || text.contains("connection refused") { return .daemonDown(socket: quoted) }
        }
        if text.contains("authentication unavailable") || text.contains("authentication failed") || text.contains("permission denied") {
            return .permissionDenied(socket: quoted)
        }
        // The test driver: a path that is not there reads as an XML document that cannot be parsed.
        if text.contains("failed to open file") || text.contains("failed to read file") || text.contains("failed to parse xml document") {
            return .missingFile(path: quoted)
        }
        return .other
    }

    /// libvirt puts paths in single quotes: `Failed to connect socket to '/run/libvirt/libvirt-sock-ro': …`.
    static func firstQuoted(_ text: String) -> String? {
        guard let open = text.firstIndex(of: "'") else { return nil }
        let rest = text[text.index(after: open)...]
        guard let close = rest.firstIndex(of: "'") else { return nil }
        return String(rest[..<close])
    }
}
