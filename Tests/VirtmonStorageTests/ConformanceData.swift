import Foundation
import VirtmonModel
import VirtmonStorage

/// A small fleet: two VMs in two projects and a host, one sample a minute for ten minutes.
enum ConformanceData {
    static let t0 = Date(timeIntervalSince1970: 1_795_132_800)  // 2026-11-20T00:00:00Z

    /// Built from whole microseconds, so that it equals what a store reads back.
    static func minute(_ n: Int, plus micros: Int = 0) -> Date {
        dateFromMicroseconds(1_795_132_800_000_000 + Int64(n) * 60_000_000 + Int64(micros))
    }

    static let vmA: [String: JSONValue] = [
        "display_name": "web-1", "vcpus": 2, "ha": true, "flavor": .object(["name": "m1.small", "ram": 2048]),
    ]
    static let vmB: [String: JSONValue] = [
        "display_name": "db-1", "vcpus": 4, "ha": false, "flavor": .object(["name": "m1.large", "ram": 8192]),
    ]

    static func samples() -> [Sample] {
        var result: [Sample] = []
        for n in 0..<10 {
            result.append(Sample(
                name: "cpu_util", type: .gauge, unit: "%", volume: Double(n * 10) + 0.5, userID: "u1", projectID: "p1",
                resourceID: "vm-a", timestamp: minute(n, plus: 123), resourceMetadata: vmA, messageID: "m-a-\(n)"))
            result.append(Sample(
                name: "cpu_util", type: .gauge, unit: "%", volume: Double(100 - n * 7), userID: "u2", projectID: "p2",
                resourceID: "vm-b", timestamp: minute(n, plus: 456), resourceMetadata: vmB, messageID: "m-b-\(n)"))
            result.append(Sample(
                name: "memory.usage", type: .gauge, unit: "MB", volume: Double(512 + n), userID: "u1", projectID: "p1",
                resourceID: "vm-a", timestamp: minute(n), resourceMetadata: vmA, messageID: "m-m-\(n)"))
            result.append(Sample(
                name: "hardware.cpu.util", type: .gauge, unit: "%", volume: Double(n % 3), resourceID: "h1",
                timestamp: minute(n), resourceMetadata: ["host": "h1"], source: "virtmon", messageID: "m-h-\(n)"))
        }
        return result
    }

    static func events() -> [Event] {
        [
            Event(id: "e1", time: minute(1), type: "memory_usage", level: .error, host: "h1", resource: "4242", message: "high", details: ["pid": 4242]),
            Event(id: "e2", time: minute(2), type: "liveness", level: .fatal, host: "h1", resource: "4243", message: "gone"),
            Event(id: "e3", time: minute(3), type: "liveness", level: .info, host: "h2", resource: "4244", message: "stopped"),
        ]
    }

    /// Loads the fleet in two batches from one agent.
    static func load(into store: any Storage) async throws {
        let all = samples()
        let half = all.count / 2
        let first = try await store.commit(IngestBatch(
            origin: BatchOrigin(agent: "agent-1", host: "h1", sequence: 1), samples: Array(all[..<half]),
            events: Array(events().prefix(2)), receivedAt: minute(20)))
        let second = try await store.commit(IngestBatch(
            origin: BatchOrigin(agent: "agent-1", host: "h1", sequence: 2), samples: Array(all[half...]),
            events: Array(events().suffix(2)), receivedAt: minute(21)))
        precondition(first == .stored && second == .stored)
    }
}
