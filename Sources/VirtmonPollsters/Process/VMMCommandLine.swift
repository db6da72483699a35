/// What a hypervisor's command line says about its guest.
public struct VMMCommandLine: Sendable, Hashable {
    public var arguments: [String]

    /// The NUL-separated /proc/PID/cmdline.
    public init(cmdline: String) {
        arguments = cmdline.split(separator: "\0", omittingEmptySubsequences: true).map(String.init)
    }

    public init(arguments: [String]) {
        self.arguments = arguments
    }

    /// The program's file name without its directory.
    public var program: String {
        guard let first = arguments.first else { return "" }
        return first.split(separator: "/").last.map(String.init) ?? first
    }

    /// The kinds of process virtmon watches: QEMU (any target), qemu-kvm, StratoVirt, Firecracker and Cloud
    /// Hypervisor.
    public var isHypervisor: Bool {
        let name = program
        return name.hasPrefix("qemu-system-") || ["qemu-kvm", "stratovirt", "firecracker", "cloud-hypervisor"]
            .contains(name)
    }

    /// Guest memory in KiB: QEMU's and StratoVirt's `-m 256`, `-m 1G`, `-m size=262144k,slots=…`, Cloud
    /// Hypervisor's `--memory size=512M`. QEMU reads a bare number as MiB.
    public var guestMemoryKiB: UInt64? {
        for (index, argument) in arguments.enumerated() where index + 1 < arguments.count {
            guard argument == "-m" || argument == "--memory" || argument == "-memory" else { continue }
            var value = arguments[index + 1]
            for option in value.split(separator: ",") {
                if option.hasPrefix("size=") { value = String(option.dropFirst(5)) } else if !option.contains("=") {
                    value = String(option)
                }
            }
            return VMMCommandLine.kibibytes(value)
        }
        return nil
    }

    /// `-name guest=NAME,…` or `-name NAME`.
    public var guestName: String? {
        guard let value = value(after: "-name") else { return nil }
        for option in value.split(separator: ",") where option.hasPrefix("guest=") {
            return String(option.dropFirst(6))
        }
        return value.split(separator: ",").first.map(String.init)
    }

    /// `-uuid UUID`, which libvirt passes.
    public var uuid: String? { value(after: "-uuid")?.lowercased() }

    private func value(after flag: String) -> String? {
        guard let index = arguments.firstIndex(of: flag), index + 1 < arguments.count else { return nil }
        return arguments[index + 1]
    }

    static func kibibytes(_ text: String) -> UInt64? {
        let lower = text.lowercased()
        let units: [(String, UInt64)] = [("k", 1), ("m", 1024), ("g", 1024 * 1024), ("t", 1024 * 1024 * 1024)]
        for (suffix, factor) in units where lower.hasSuffix(suffix) {
            return UInt64(lower.dropLast()).map { $0 * factor }
        }
        return UInt64(lower).map { $0 * 1024 }
    }
}
