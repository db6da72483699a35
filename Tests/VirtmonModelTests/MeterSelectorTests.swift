import Foundation
import Testing
@testable import VirtmonModel

@Suite struct MeterSelectorTests {
    @Test func globsIncludeAndBangExcludes() throws {
        let selector = try MeterSelector(["hardware.cpu.*", "hardware.memory.total", "!hardware.cpu.load.15min"])
        #expect(selector.matches("hardware.cpu.util"))
        #expect(selector.matches("hardware.memory.total"))
        #expect(!selector.matches("hardware.cpu.load.15min"))
        #expect(!selector.matches("hardware.memory.used"))
    }

    @Test func onlyExclusionsTakeEverythingElse() throws {
        let selector = try MeterSelector(["!hardware.disk.*"])
        #expect(selector.matches("hardware.cpu.util"))
        #expect(!selector.matches("hardware.disk.read.bytes"))
        #expect(MeterSelector.all.matches("anything.at.all"))
    }

    @Test func emptyListsAndPatternsAreRefused() {
        #expect(throws: MeterSelector.PatternError.empty) { try MeterSelector([]) }
        #expect(throws: MeterSelector.PatternError.emptyPattern) { try MeterSelector(["!"]) }
        #expect(throws: MeterSelector.PatternError.emptyPattern) { try MeterSelector([" "]) }
    }

    @Test("the shortcuts for *, plain names and prefix* answer exactly as fnmatch(3) does")
    func globShortcutsAgreeWithFnmatch() {
        let patterns = ["*", "cpu", "cpu_util", "memory*", "disk.device.*", "network.*", "power.state", "a*b", "*.rate",
                        "c?u", "[cd]isk.*", "cpu\\*", "", "caf\u{E9}*", "e\u{301}"]
        let names = ["cpu", "cpu_util", "cpu.delta", "memory", "memory.usage", "memory", "disk.device.read.bytes",
                     "disk.device", "network.incoming.bytes", "networks", "power.state", "power.states", "ab", "axxb",
                     "net.rate", "cpu*", "", "caf\u{E9}.x", "cafe\u{301}.x", "\u{E9}", "e\u{301}", "Cpu"]
        for pattern in patterns {
            let glob = MeterSelector.Glob(pattern)
            for name in names {
                #expect(glob.matches(name) == (fnmatch(pattern, name, 0) == 0), "pattern '\(pattern)' against '\(name)' (\(glob))")
            }
        }
        #expect(MeterSelector.Glob("memory*") == .prefix("memory"))
        #expect(MeterSelector.Glob("power.state") == .exactly("power.state"))
        #expect(MeterSelector.Glob("*") == .everything)
        #expect(MeterSelector.Glob("c?u") == .pattern("c?u"))
    }
}
