import Foundation
import VirtmonTestSupport
import Testing
import VirtmonAgent
import VirtmonModel
@testable import VirtmonPollsters

/// virtmon's readings of this very host against independent readers: procps `free`, coreutils `df`, awk over
/// /proc, and prometheus-node-exporter (installed by scripts/test.sh).
@Suite(.serialized) struct LiveHostTests {
    static let host = "live"

    func poll(_ pollster: any Pollster) async throws -> [Sample] {
        try await pollster.poll(PollContext(host: LiveHostTests.host))
    }

    func value(_ samples: [Sample], _ meter: String, resource: String = LiveHostTests.host) throws -> Double {
        try #require(samples.first { $0.name == meter && $0.resourceID == resource }, "no \(meter) for \(resource)")
            .volume
    }

    @Test func memoryAgreesWithFree() async throws {
        let samples = try await poll(MemoryPollster())
        let free = try await Command.output("/usr/bin/free", ["-k"])
        let line = try #require(free.split(separator: "\n").first { $0.hasPrefix("Mem:") })
        let fields = line.split(separator: " ").dropFirst().compactMap { Double($0) }
        try #require(fields.count == 6)
        let (total, used, available) = (fields[0], fields[1], fields[5])
        #expect(try value(samples, "hardware.memory.total") == total)
        #expect(abs(try value(samples, "hardware.memory.available") - available) <= total * 0.01)
        #expect(abs(try value(samples, "hardware.memory.used") - used) <= total * 0.01)
    }

    @Test func rootFilesystemAgreesWithDf() async throws {
        let samples = try await poll(FilesystemPollster())
        let output = try await Command.output("/usr/bin/df", ["-k", "--output=size,used,avail", "/"])
        let fields = try #require(output.split(separator: "\n").last).split(separator: " ").compactMap { Double($0) }
        try #require(fields.count == 3)
        let resource = "\(LiveHostTests.host)-/"
        #expect(abs(try value(samples, "hardware.disk.size.total", resource: resource) - fields[0]) <= 1)
        #expect(abs(try value(samples, "hardware.disk.size.used", resource: resource) - fields[1]) <= fields[0] * 0.01)
        #expect(abs(try value(samples, "hardware.disk.size.available", resource: resource) - fields[2])
                <= fields[0] * 0.01)
    }

    /// Both readers get the same bytes: this host's /proc/stat copied at two moments 2 s apart. Reading the
    /// live file twice, even microseconds apart, lets parallel tests move the counters in between.
    @Test func cpuAgreesWithAwkOverProcStat() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("virtmon-stat-\(UUID())").path
        func snapshot(_ name: String) throws -> String {
            let root = directory + "/" + name
            try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
            try FileSnapshot.readFile("/proc/stat").write(toFile: root + "/stat", atomically: true, encoding: .utf8)
            return root
        }
        func awkRead(_ root: String) async throws -> [Double] {
            try await Command.output("/usr/bin/awk", ["/^cpu /{print $2+$3, $4+$7+$8, $5, $6, $9}", root + "/stat"])
                .split(whereSeparator: { $0 == " " || $0 == "\n" }).compactMap { Double($0) }
        }
        let pollster = CPUPollster()
        let first = try snapshot("before")
        _ = try await pollster.poll(PollContext(host: LiveHostTests.host, procRoot: first))
        // Keep one core busy so the shares are not all idle.
        _ = try await onThread {
            var x = 0.0
            let end = Date().addingTimeInterval(1.8)
            while Date() < end { x += 1 }
            return x
        }
        try await Task.sleep(for: .milliseconds(200))
        let second = try snapshot("after")
        let samples = try await pollster.poll(PollContext(host: LiveHostTests.host, procRoot: second))
        let delta = zip(try await awkRead(first), try await awkRead(second)).map { $1 - $0 }
        let total = delta.reduce(0, +)
        try #require(total > 0)
        let expectedUtil = (delta[0] + delta[1] + delta[4]) / total * 100
        let util = try value(samples, "hardware.cpu.util")
        print("cpu util: virtmon \(util) %, awk over the same /proc/stat \(expectedUtil) %")
        #expect(util > 10, "one core was kept busy")
        #expect(abs(util - expectedUtil) < 1e-6)
        #expect(abs(try value(samples, "hardware.system_stats.cpu.idle") - delta[2] / total * 100) < 1e-6)
        try? FileManager.default.removeItem(atPath: directory)
    }

    static let nodeExporter = Command.find(["/usr/bin/prometheus-node-exporter", "/usr/local/bin/node_exporter"])

    @Test(.enabled(if: LiveHostTests.nodeExporter != nil,
                   "prometheus-node-exporter is not installed; scripts/test.sh installs it from Debian"))
    func countersAgreeWithNodeExporter() async throws {
        let exporter = try NodeExporterProcess(binary: LiveHostTests.nodeExporter!)
        defer { exporter.stop() }
        let pollsters: [any Pollster] = [MemoryPollster(), NetworkPollster(), BlockDevicePollster(),
                                         FilesystemPollster(), LoadAveragePollster()]
        var before: [Sample] = []
        for pollster in pollsters { before += try await poll(pollster) }
        let metrics = try await exporter.scrape()
        var after: [Sample] = []
        for pollster in pollsters { after += try await poll(pollster) }

        var compared = 0
        // Counters: node-exporter's value must lie between virtmon's reads just before and just after.
        func between(_ meter: String, _ resource: String, _ metric: String, scale: Double = 1) throws {
            guard let theirs = metrics[metric] else { return }
            let low = try value(before, meter, resource: resource) * scale
            let high = try value(after, meter, resource: resource) * scale
            #expect(theirs >= low && theirs <= high, "\(metric) = \(theirs), virtmon read \(low) then \(high)")
            compared += 1
        }
        for sample in after where sample.name == "hardware.network.incoming.bytes" {
            let device = sample.resourceMetadata["name"]!.stringValue!
            try between(sample.name, sample.resourceID, "node_network_receive_bytes_total{device=\"\(device)\"}")
            try between("hardware.network.outgoing.bytes", sample.resourceID,
                        "node_network_transmit_bytes_total{device=\"\(device)\"}")
            try between("hardware.network.incoming.packets", sample.resourceID,
                        "node_network_receive_packets_total{device=\"\(device)\"}")
        }
        for sample in after where sample.name == "hardware.disk.read.bytes" {
            let device = sample.resourceMetadata["name"]!.stringValue!
            try between(sample.name, sample.resourceID, "node_disk_read_bytes_total{device=\"\(device)\"}")
            try between("hardware.disk.write.bytes", sample.resourceID,
                        "node_disk_written_bytes_total{device=\"\(device)\"}")
            try between("hardware.disk.read.requests", sample.resourceID,
                        "node_disk_reads_completed_total{device=\"\(device)\"}")
        }
        // Gauges: within 1 %.
        let total = try value(after, "hardware.memory.total") * 1024
        #expect(metrics["node_memory_MemTotal_bytes"] == total)
        let available = try value(after, "hardware.memory.available") * 1024
        #expect(abs(try #require(metrics["node_memory_MemAvailable_bytes"]) - available) <= total * 0.01)
        compared += 2
        for sample in after where sample.name == "hardware.disk.size.total" {
            let mount = sample.resourceMetadata["mount_point"]!.stringValue!
            let device = sample.resourceMetadata["device"]!.stringValue!
            let fsType = sample.resourceMetadata["fs_type"]!.stringValue!
            let key = "node_filesystem_size_bytes{device=\"\(device)\",fstype=\"\(fsType)\",mountpoint=\"\(mount)\"}"
            guard let theirs = metrics[key] else { continue }
            #expect(abs(theirs - sample.volume * 1024) < 1024 * 1.01 + theirs * 0.01, "\(key)")
            compared += 1
        }
        // The kernel updates load every 5 s, and under a loaded suite the reads above can span more than one
        // update; so the load is compared in a window of its own, retried until no update fell inside it.
        var loadWindows: [String] = []
        var loadCompared = false
        for _ in 0..<6 where !loadCompared {
            let loadBefore = try value(try await poll(LoadAveragePollster()), "hardware.cpu.load.1min")
            let theirLoad = try #require(try await exporter.scrape()["node_load1"])
            let loadAfter = try value(try await poll(LoadAveragePollster()), "hardware.cpu.load.1min")
            loadWindows.append("node_load1 \(theirLoad) between virtmon's \(loadBefore) and \(loadAfter)")
            guard abs(loadBefore - loadAfter) <= 0.005 else { continue }
            #expect(abs(loadBefore - theirLoad) <= 0.005, "\(loadWindows.last!)")
            compared += 1
            loadCompared = true
        }
        #expect(loadCompared, "no window without a load update: \(loadWindows)")
        print("node-exporter comparison: \(compared) values agreed")
        #expect(compared >= 8)
    }
}

/// prometheus-node-exporter on a free loopback port, stopped by the test.
final class NodeExporterProcess: Sendable {
    let process: Process
    let port: Int

    init(binary: String) throws {
        port = Int.random(in: 20000..<40000)
        process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["--web.listen-address=127.0.0.1:\(port)"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
    }

    func stop() {
        // SIGKILL: children of this process start with SIGTERM blocked (see QEMUProcessTests).
        kill(process.processIdentifier, SIGKILL)
        _ = ProcessRunner.reap(process)
    }

    /// Every sample line of /metrics: `name{labels}` → value.
    func scrape() async throws -> [String: Double] {
        for _ in 0..<50 {
            let text = try await Command.output("/usr/bin/curl", ["-sf", "http://127.0.0.1:\(port)/metrics"])
            if !text.isEmpty {
                var result: [String: Double] = [:]
                for line in text.split(separator: "\n") where !line.hasPrefix("#") {
                    guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...])
                    else { continue }
                    result[String(line[..<space])] = value
                }
                return result
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw CocoaError(.fileReadUnknown)
    }
}
