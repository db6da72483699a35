import Foundation

/// A real RabbitMQ node started by scripts/rabbitmq.sh in a directory of its own, on a free port: stopped and
/// started again on the same directory it keeps its durable queues (a broker outage and its return).
///
/// Under scripts/test.sh the directory is inside the run's temp dir (`VIRTMON_TEST_RUN`), which stops any
/// broker a failed test left behind.
public final class ThrowawayBroker: Sendable {
    public let directory: URL
    public let port: Int
    public var url: String { "amqp://guest:guest@127.0.0.1:\(port)/" }

    static var script: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("scripts/rabbitmq.sh").path
    }

    /// Why no broker can run here, or nil.
    public static var unavailableReason: String? {
        FileManager.default.isExecutableFile(atPath: "/usr/lib/rabbitmq/bin/rabbitmq-server")
            ? nil : "rabbitmq-server is not installed (scripts/test.sh installs it)"
    }

    /// Starts a broker; throws with its log's tail when it does not come up.
    public init(name: String) async throws {
        StallWatchdog.start()
        let base = ProcessInfo.processInfo.environment["VIRTMON_TEST_RUN"].map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.temporaryDirectory
        directory = base.appendingPathComponent("rabbitmq-\(name)-\(UUID().uuidString.prefix(8))")
        port = Self.freePort()
        try await start()
    }

    /// Starts (again) on the same directory and port.
    public func start() async throws {
        let result = try await ProcessRunner.run("/bin/bash", [Self.script, "start", directory.path, String(port)])
        guard result.status == 0 else {
            throw BrokerError(text: "rabbitmq.sh start failed (\(result.status)): \(result.stderr)\(result.stdout)")
        }
    }

    /// Stops the node (its durable queues stay on disk).
    public func stop() async {
        _ = try? await ProcessRunner.run("/bin/bash", [Self.script, "stop", directory.path])
    }

    /// rabbitmqctl against this node.
    public func ctl(_ arguments: [String]) async throws -> String {
        let result = try await ProcessRunner.run("/bin/bash", [Self.script, "ctl", directory.path] + arguments)
        guard result.status == 0 else { throw BrokerError(text: "rabbitmqctl \(arguments.joined(separator: " ")): \(result.stderr)") }
        return result.stdout
    }

    /// Messages ready plus unacknowledged in `queue`, from rabbitmqctl; nil when the queue does not exist.
    public func depth(_ queue: String) async throws -> (ready: Int, unacknowledged: Int)? {
        let out = try await ctl(["list_queues", "-q", "--no-table-headers", "name", "messages_ready", "messages_unacknowledged"])
        for line in out.split(separator: "\n") {
            let fields = line.split(whereSeparator: { $0 == "\t" || $0 == " " })
            if fields.count == 3, fields[0] == queue, let ready = Int(fields[1]), let unacked = Int(fields[2]) {
                return (ready, unacked)
            }
        }
        return nil
    }

    /// Ends the node at once and removes its directory: what a test's `defer` calls, since an asynchronous
    /// stop scheduled there would never run once the test process exits (and the broker would outlive it).
    public func discard() {
        let pidFile = directory.appendingPathComponent("rabbitmq.pid")
        if let text = try? String(contentsOf: pidFile, encoding: .utf8), let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)) {
            kill(pid, SIGKILL)
        }
        try? FileManager.default.removeItem(at: directory)
    }

    /// A test that ends without stopping it must not leave a broker behind.
    deinit { discard() }

    /// A port P where P, P+20000 and P+20001 are all free: the broker listens on P and takes the other two for
    /// Erlang distribution and its own epmd. All three lie below the kernel's ephemeral range where it allows:
    /// a port free when chosen but inside that range can be taken by any outgoing connection before the broker
    /// is started again on it (CI saw `dist_port_already_used` when a test restarted its broker).
    public static func freePort() -> Int {
        let range = (try? String(contentsOfFile: "/proc/sys/net/ipv4/ip_local_port_range", encoding: .utf8)) ?? ""
        let ephemeral = Int(range.split(whereSeparator: \.isWhitespace).first ?? "") ?? 32_768
        let top = ephemeral - 20_001 > 10_500 ? ephemeral - 20_001 : 40_000
        while true {
            let port = Int.random(in: 10_000..<top)
            if [port, port + 20_000, port + 20_001].allSatisfy(bindable) { return port }
        }
    }

    static func bindable(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }
}

public struct BrokerError: Error, CustomStringConvertible {
    public var text: String
    public var description: String { text }
}
