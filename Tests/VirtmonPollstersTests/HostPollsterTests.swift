import Foundation
import Testing
import VirtmonAgent
import VirtmonModel
@testable import VirtmonPollsters

@Suite struct HostPollsterTests {
    func volumes(_ samples: [Sample], resource: String? = nil) -> [String: Double] {
        var result: [String: Double] = [:]
        for sample in samples where resource == nil || sample.resourceID == resource {
            result[sample.name] = sample.volume
        }
        return result
    }

    @Test func loadAverage() async throws {
        let parsed = try #require(LoadAveragePollster.parse("0.50 0.40 0.30 1/123 4567\n"))
        #expect(parsed.0 == 0.5 && parsed.1 == 0.4 && parsed.2 == 0.3)
        #expect(LoadAveragePollster.parse("0.5 x 0.3") == nil)
        #expect(LoadAveragePollster.parse("") == nil)
        let samples = try await LoadAveragePollster().poll(FixtureRoot.context("step2"))
        #expect(volumes(samples) == [
            "hardware.cpu.load.1min": 0.75, "hardware.cpu.load.5min": 0.45, "hardware.cpu.load.15min": 0.31,
        ])
    }

    @Test func uptime() async throws {
        #expect(UptimePollster.parse("1000.50 1800.00\n") == 1000.5)
        #expect(UptimePollster.parse("-3 1") == nil)
        let samples = try await UptimePollster().poll(FixtureRoot.context("step1"))
        #expect(volumes(samples) == ["hardware.system_stats.uptime": 1000.5])
    }

    @Test func memory() async throws {
        let parsed = MemoryPollster.parse("MemTotal:  100 kB\nHugePages_Total:  4\nbroken line\nX: y kB\n")
        #expect(parsed == ["MemTotal": 100, "HugePages_Total": 4])
        let samples = try await MemoryPollster().poll(FixtureRoot.context("step1"))
        #expect(volumes(samples) == [
            "hardware.memory.total": 4_028_440, "hardware.memory.used": 2_028_440,
            "hardware.memory.available": 2_000_000, "hardware.memory.free": 1_400_000,
            "hardware.memory.buffer": 120_000, "hardware.memory.cached": 480_000,
            "hardware.memory.swap.total": 1_048_572, "hardware.memory.swap.avail": 1_000_000,
        ])
        #expect(samples.allSatisfy { $0.unit == "KB" && $0.type == .gauge && $0.resourceID == "node1" })
    }

    @Test func memoryWithoutMemAvailableFallsBackToFreePlusCaches() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("virtmon-mem-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try "MemTotal: 1000 kB\nMemFree: 100 kB\nBuffers: 50 kB\nCached: 200 kB\n"
            .write(to: directory.appendingPathComponent("meminfo"), atomically: true, encoding: .utf8)
        let samples = try await MemoryPollster().poll(PollContext(host: "h", procRoot: directory.path))
        #expect(volumes(samples)["hardware.memory.available"] == 350)
        #expect(volumes(samples)["hardware.memory.used"] == 650)
        #expect(volumes(samples)["hardware.memory.swap.total"] == nil, "no swap lines, no swap samples")
    }

    @Test func networkParsesEveryInterfaceAndSkipsHeaders() throws {
        let text = """
            Inter-|   Receive                                                |  Transmit
             face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
                lo:  100 2 0 0 0 0 0 0  100 2 0 0 0 0 0 0
            enp0s31f6: 18446744073709551615 3 4 5 0 0 0 1 7 8 9 10 0 0 0 0
            """
        let interfaces = InterfaceCounters.parse(text)
        #expect(interfaces.count == 2)
        #expect(interfaces[1] == InterfaceCounters(
            name: "enp0s31f6", receiveBytes: UInt64.max, receivePackets: 3, receiveErrors: 4, receiveDrops: 5,
            transmitBytes: 7, transmitPackets: 8, transmitErrors: 9, transmitDrops: 10))
        #expect(InterfaceCounters.parse("eth0: 1 2 3\n").isEmpty, "too few fields")
    }

    @Test func networkStepsForwardThenResets() async throws {
        let pollster = NetworkPollster()
        let first = try await pollster.poll(FixtureRoot.context("step1"))
        let second = try await pollster.poll(FixtureRoot.context("step2"))
        let third = try await pollster.poll(FixtureRoot.context("step3"))
        #expect(first.count == 16)
        let eth = "node1-eth0"
        #expect(volumes(first, resource: eth)["hardware.network.incoming.bytes"] == 1_000_000)
        #expect(volumes(second, resource: eth)["hardware.network.incoming.bytes"] == 1_500_000)
        #expect(volumes(second, resource: eth)["hardware.network.outgoing.packets"] == 400)
        #expect(volumes(second, resource: eth)["hardware.network.incoming.errors"] == 2)
        #expect(volumes(second, resource: eth)["hardware.network.incoming.drops"] == 1)
        // Counters are reported as read; the reset is the pipeline's to handle.
        #expect(volumes(third, resource: eth)["hardware.network.incoming.bytes"] == 5000)
        let sample = try #require(second.first { $0.resourceID == eth })
        #expect(sample.type == .cumulative)
        #expect(sample.resourceMetadata["name"] == "eth0")
        #expect(sample.resourceMetadata["host"] == "node1")
    }

    @Test func diskstatsWholeDisksOnly() async throws {
        let parsed = BlockDeviceCounters.parse(" 8 0 sda 1 2 3 4 5 6 7 8 9 10 11\n 8 0 short 1 2\n")
        #expect(parsed.count == 1)
        #expect(parsed[0].readBytes == 3 * 512 && parsed[0].writtenBytes == 7 * 512 && parsed[0].ioMilliseconds == 10)
        #expect(BlockDevicePollster.isMetered("vda", wholeDisks: ["vda"]))
        #expect(!BlockDevicePollster.isMetered("vda1", wholeDisks: ["vda"]))
        #expect(!BlockDevicePollster.isMetered("loop0", wholeDisks: ["loop0"]))
        #expect(!BlockDevicePollster.isMetered("ram12", wholeDisks: nil))
        #expect(BlockDevicePollster.isMetered("loopy", wholeDisks: nil))

        let samples = try await BlockDevicePollster().poll(FixtureRoot.context("step2"))
        #expect(Set(samples.map(\.resourceID)) == ["node1-vda"])
        #expect(volumes(samples) == [
            "hardware.disk.read.bytes": 4096 * 512, "hardware.disk.write.bytes": 8192 * 512,
            "hardware.disk.read.requests": 1100, "hardware.disk.write.requests": 520,
            "hardware.disk.read.time": 320, "hardware.disk.write.time": 720, "hardware.disk.io.time": 950,
        ])
    }

    @Test func mountsUnescapeAndFilterPseudoAndDuplicates() throws {
        let text = try String(contentsOfFile: FixtureRoot.path("step1") + "/proc/mounts", encoding: .utf8)
        let mounts = MountEntry.parse(text)
        #expect(mounts.count == 8)
        #expect(mounts[5].mountPoint == "/mnt/my data")
        let pseudo = MountEntry.pseudoFilesystems("nodev\tproc\nnodev\ttmpfs\n\text4\nnodev\toverlay\nnodev\tsysfs\n")
        #expect(pseudo == ["proc", "tmpfs", "overlay", "sysfs"])
        let real = FilesystemPollster.realMounts(mounts, pseudo: pseudo)
        #expect(real.map(\.mountPoint) == ["/", "/mnt/my data"], "bind mount, squashfs, tmpfs, overlay skipped")
    }

    @Test func filesystemUsageInKB() async throws {
        let pollster = FilesystemPollster { path in
            if path == "/mnt/my data" { throw FilesystemStatError(path: path, reason: "Stale file handle") }
            return FilesystemUsage(totalBytes: 10 * 1024 * 1024, usedBytes: 4 * 1024 * 1024,
                                   availableBytes: 5 * 1024 * 1024)
        }
        let samples = try await pollster.poll(FixtureRoot.context("step1"))
        #expect(Set(samples.map(\.resourceID)) == ["node1-/"], "the stale mount is skipped, not fatal")
        #expect(volumes(samples) == [
            "hardware.disk.size.total": 10240, "hardware.disk.size.used": 4096, "hardware.disk.size.available": 5120,
        ])
        #expect(samples[0].resourceMetadata["fs_type"] == "ext4")
    }

    @Test func everyPollsterReadsThroughTheSnapshotOnce() async throws {
        let context = FixtureRoot.context("step1")
        for pollster in AllPollsters.host() {
            _ = try await pollster.poll(context)
        }
        // The CPU pollster and any other reader of /proc/stat share one read per cycle.
        let a = try context.proc("stat")
        let b = try context.files.read(context.procRoot + "/stat")
        #expect(a == b)
    }

    @Test func registryMetersAreUniqueAndEmittedMetersAreDeclared() async throws {
        let names = AllPollsters.meters.map(\.name)
        #expect(Set(names).count == names.count)
        for pollster in AllPollsters.host() {
            _ = try await pollster.poll(FixtureRoot.context("step1", monotonic: 0))
            let samples = try await pollster.poll(FixtureRoot.context("step2", monotonic: 10))
            let declared = Set(pollster.meters.map(\.name))
            for sample in samples {
                #expect(declared.contains(sample.name), "\(pollster.name) emitted undeclared \(sample.name)")
                let meter = try #require(pollster.meters.first { $0.name == sample.name })
                #expect(sample.type == meter.type && sample.unit == meter.unit)
            }
        }
    }
}
