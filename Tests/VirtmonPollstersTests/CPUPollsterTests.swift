import Testing
import VirtmonAgent
import VirtmonModel
@testable import VirtmonPollsters

@Suite struct CPUPollsterTests {
    @Test func parsesTheAggregateLine() throws {
        let times = try #require(CPUTimes.parse("cpu  10 2 30 400 5 6 7 8 9 10\ncpu0 1 1 1 1 1 1 1 1 0 0\n"))
        #expect(times == CPUTimes(user: 10, nice: 2, system: 30, idle: 400, iowait: 5, irq: 6, softirq: 7, steal: 8))
        #expect(times.total == 468)
    }

    @Test func oldKernelsWithoutStealCountItAsZero() throws {
        let times = try #require(CPUTimes.parse("cpu 1 2 3 4\n"))
        #expect(times.steal == 0 && times.iowait == 0 && times.total == 10)
    }

    @Test func refusesTextWithoutACPULine() {
        #expect(CPUTimes.parse("intr 1 2 3\n") == nil)
        #expect(CPUTimes.parse("cpu 1 2 x 4\n") == nil)
        #expect(CPUTimes.parse("cpu 1 2\n") == nil)
        #expect(CPUTimes.parse("") == nil)
    }

    @Test func sharesAddUpAndMatchHandComputation() throws {
        let a = CPUTimes(user: 1000, nice: 10, system: 500, idle: 8000, iowait: 100, irq: 5, softirq: 20, steal: 3)
        let b = CPUTimes(user: 1300, nice: 10, system: 600, idle: 8500, iowait: 150, irq: 5, softirq: 30, steal: 5)
        let shares = try #require(CPUShares.between(a, b))
        // Δ: user 300, system 100+10, idle 500, iowait 50, steal 2; total 962.
        #expect(abs(shares.user - 300.0 / 962 * 100) < 1e-9)
        #expect(abs(shares.system - 110.0 / 962 * 100) < 1e-9)
        #expect(abs(shares.idle - 500.0 / 962 * 100) < 1e-9)
        #expect(abs(shares.iowait - 50.0 / 962 * 100) < 1e-9)
        #expect(abs(shares.steal - 2.0 / 962 * 100) < 1e-9)
        #expect(abs(shares.utilization - 412.0 / 962 * 100) < 1e-9)
        #expect(abs(shares.user + shares.system + shares.idle + shares.iowait + shares.steal - 100) < 1e-9)
    }

    @Test func aSingleCounterSteppingBackCountsAsZero() throws {
        let a = CPUTimes(user: 100, nice: 0, system: 100, idle: 100, iowait: 50)
        let b = CPUTimes(user: 200, nice: 0, system: 100, idle: 200, iowait: 40)
        let shares = try #require(CPUShares.between(a, b))
        #expect(shares.iowait == 0)
        #expect(shares.user == 50 && shares.idle == 50)
    }

    @Test func noTimeOrAResetGivesNothing() {
        let a = CPUTimes(user: 100, nice: 0, system: 100, idle: 100)
        #expect(CPUShares.between(a, a) == nil)
        #expect(CPUShares.between(a, CPUTimes(user: 1, nice: 0, system: 1, idle: 1)) == nil)
    }

    @Test func stepsThroughFixturesForwardThenReset() async throws {
        let pollster = CPUPollster()
        #expect(try await pollster.poll(FixtureRoot.context("step1")).isEmpty, "first read has no previous")
        let second = try await pollster.poll(FixtureRoot.context("step2", monotonic: 10))
        let byName = Dictionary(uniqueKeysWithValues: second.map { ($0.name, $0) })
        let util = try #require(byName["hardware.cpu.util"])
        #expect(abs(util.volume - 412.0 / 962 * 100) < 1e-9)
        #expect(util.type == .gauge && util.unit == "%" && util.resourceID == "node1")
        #expect(abs(try #require(byName["hardware.system_stats.cpu.idle"]).volume - 500.0 / 962 * 100) < 1e-9)
        #expect(second.count == 6)
        // step3's counters are lower than step2's: a reset, so no shares, and step3 becomes the new base.
        #expect(try await pollster.poll(FixtureRoot.context("step3", monotonic: 20)).isEmpty)
    }

    @Test func malformedStatSaysWhichFile() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("virtmon-cpu-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try "garbage\n".write(to: directory.appendingPathComponent("stat"), atomically: true, encoding: .utf8)
        let context = PollContext(host: "h", procRoot: directory.path, sysRoot: directory.path)
        await #expect(throws: ProcFSError.malformed(path: directory.path + "/stat",
                                                    reason: "no 'cpu' line with at least four counters")) {
            try await CPUPollster().poll(context)
        }
        await #expect(throws: ProcFSError.self) { try await LoadAveragePollster().poll(context) }
    }
}

import Foundation
