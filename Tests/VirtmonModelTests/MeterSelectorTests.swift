import Testing
import VirtmonModel

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
}
