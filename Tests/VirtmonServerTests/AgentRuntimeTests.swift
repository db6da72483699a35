import Foundation
import Logging
import Testing
import VirtmonModel
@testable import VirtmonServer

@Suite(.serialized) struct AgentRuntimeTests {
    func temporaryDirectory() -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("virtmon-agent-\(UUID())").path
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test func onceRunsTwoCyclesOnThisHostAndWritesWireShapedSamples() async throws {
        let directory = temporaryDirectory()
        var config = AgentConfig.defaults()
        config.host = "test-host"
        let options = AgentOptions(publishers: ["file://\(directory)/s.jsonl"], interval: .milliseconds(500),
                                   once: true, dataDir: directory + "/data")
        let runtime = try await AgentRuntime.build(config: config, options: options, logger: Logger(label: "test"))
        #expect(runtime.cycles == 2, "host CPU shares and the default rates need a previous read")
        try await runtime.run()
        let lines = try String(contentsOfFile: directory + "/s.jsonl", encoding: .utf8).split(separator: "\n")
        // Monitor events share the file (a parallel test's VMM stand-in dying raises one); every other line
        // must be a sample.
        let samples = try lines.compactMap { line -> Sample? in
            let data = Data(line.utf8)
            if let sample = try? JSONDecoder().decode(Sample.self, from: data) { return sample }
            _ = try JSONDecoder().decode(Event.self, from: data)
            return nil
        }
        let names = Set(samples.map(\.name))
        for expected in ["hardware.cpu.util", "hardware.memory.total", "hardware.cpu.load.1min",
                         "hardware.network.incoming.bytes", "hardware.network.incoming.bytes.rate",
                         "hardware.disk.size.total", "hardware.system_stats.uptime"] {
            #expect(names.contains(expected), "missing \(expected)")
        }
        let util = try #require(samples.first { $0.name == "hardware.cpu.util" })
        #expect(util.volume >= 0 && util.volume <= 100 && util.resourceID == "test-host")
        let total = try #require(samples.first { $0.name == "hardware.memory.total" })
        #expect(total.volume > 100_000, "more than 100 MB of memory")
        #expect(samples.allSatisfy { $0.volume.isFinite && $0.source == "virtmon" })
        for sample in samples where sample.name.hasSuffix(".rate") { #expect(sample.volume >= 0) }
        #expect(FileManager.default.fileExists(atPath: directory + "/data/agent-id"))
    }

    @Test func badPublisherURLsFailTheBuildWithAReason() async throws {
        let options = AgentOptions(publishers: ["tcp://x"], dataDir: temporaryDirectory())
        await #expect(throws: (any Error).self) {
            try await AgentRuntime.build(config: AgentConfig.defaults(), options: options, logger: Logger(label: "test"))
        }
    }
}

@Suite(.serialized) struct AgentMonitorTests {
    @Test func monitorEventsTravelThroughThePublishersAsEventRecords() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("virtmon-events-\(UUID())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var config = AgentConfig.defaults()
        config.host = "event-host"
        // Any host has less than 99.99 % of its memory available: the host_memory check must fire.
        config.monitors.minimumAvailableShare = 0.9999
        let options = AgentOptions(publishers: ["file://\(directory)/out.jsonl"], interval: .milliseconds(300),
                                   once: true, dataDir: directory + "/data")
        let runtime = try await AgentRuntime.build(config: config, options: options, logger: Logger(label: "test"))
        #expect(await runtime.monitors?.types == ["memory_usage", "cpu_usage", "liveness", "host_memory"])
        try await runtime.run()
        let lines = try String(contentsOfFile: directory + "/out.jsonl", encoding: .utf8).split(separator: "\n")
        let events = lines.compactMap { try? JSONDecoder().decode(Event.self, from: Data($0.utf8)) }
        let event = try #require(events.first { $0.type == "host_memory" })
        #expect(event.level == .error && event.host == "event-host" && event.message.contains("below 99.99 %"))
    }
}
