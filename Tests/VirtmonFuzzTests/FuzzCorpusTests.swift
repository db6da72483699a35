import Foundation
import Testing
import VirtmonFuzz

/// The fuzz targets without the fuzzer: every input in the committed corpus (seeds, and inputs that once
/// crashed a target, kept under Fuzz/corpus/TARGET/) runs through its target without a crash, and each
/// target's seeds are accepted, so that fuzzing starts inside the decoder rather than at its first refusal.
@Suite("Fuzz corpus")
struct FuzzCorpusTests {
    static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fuzz/corpus")

    @Test("every target has a corpus directory and seeds its decoder accepts", arguments: FuzzTarget.all.map(\.name))
    func seedsAreAccepted(_ name: String) throws {
        let target = try #require(FuzzTarget.named(name))
        let seeds = FuzzSeeds.seeds(for: name)
        #expect(!seeds.isEmpty, "\(name) has no seeds")
        for (index, seed) in seeds.enumerated() {
            #expect(target.run(seed), "\(name) seed \(index) is refused by its own decoder")
        }
        var isDirectory: ObjCBool = false
        #expect(FileManager.default.fileExists(atPath: Self.corpus.appendingPathComponent(name).path, isDirectory: &isDirectory) && isDirectory.boolValue,
                "Fuzz/corpus/\(name) is missing: run virtmon-fuzz write-seeds Fuzz/corpus")
    }

    @Test("every committed corpus input runs through its target without a crash", arguments: FuzzTarget.all.map(\.name))
    func corpusReplays(_ name: String) throws {
        let target = try #require(FuzzTarget.named(name))
        let folder = Self.corpus.appendingPathComponent(name)
        let files = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        #expect(!files.isEmpty, "Fuzz/corpus/\(name) is empty")
        for file in files {
            let data = try Data(contentsOf: folder.appendingPathComponent(file))
            _ = target.run(Array(data))
        }
    }
}
