import ArgumentParser
import VirtmonServer


struct MetersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "meters", abstract: "List every meter virtmon emits.")

    @Flag(name: .long, help: "Print docs/meters.md.")
    var markdown = false

    func run() async throws {
        if markdown {
            print(MeterCatalogue.markdown(), terminator: "")
            return
        }
        for meter in MeterCatalogue.meters {
            print("\(meter.name)\t\(meter.type.rawValue)\t\(meter.unit)\t\(meter.origin)")
        }
    }
}
