import Foundation
import VirtmonFuzz

// Built with `--sanitize fuzzer -Xswiftc -DVIRTMON_FUZZING` (scripts/fuzz.sh) this executable has no main of
// its own: libFuzzer's drives `LLVMFuzzerTestOneInput`. Built plainly it replays files through a target, so
// a crash a fuzzer found can be rerun in a debugger: `virtmon-fuzz TARGET FILE…`.
#if !VIRTMON_FUZZING
@main
struct Replay {
    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        if arguments.first == "write-seeds", arguments.count == 2 {
            writeSeeds(into: arguments[1])
            return
        }
        guard let name = arguments.first, let target = FuzzTarget.named(name) else {
            FileHandle.standardError.write(Data("usage: virtmon-fuzz TARGET FILE… | write-seeds DIR; targets:\n\(FuzzTarget.all.map { "  \($0.name): \($0.summary)" }.joined(separator: "\n"))\n".utf8))
            exit(2)
        }
        for path in arguments.dropFirst() {
            guard let data = FileManager.default.contents(atPath: path) else {
                FileHandle.standardError.write(Data("virtmon-fuzz: cannot read \(path)\n".utf8))
                exit(2)
            }
            _ = target.run(Array(data))
        }
        print("\(arguments.count - 1) input(s) through \(name): no crash")
    }

    /// DIR/TARGET/seed-N for every target's seeds (the committed corpus starts from these).
    static func writeSeeds(into directory: String) {
        for target in FuzzTarget.all {
            let folder = directory + "/" + target.name
            try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            for (index, seed) in FuzzSeeds.seeds(for: target.name).enumerated() {
                FileManager.default.createFile(atPath: "\(folder)/seed-\(index)", contents: Data(seed))
            }
        }
    }
}
#endif
