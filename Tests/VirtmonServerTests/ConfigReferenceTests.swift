import Foundation
import Testing
import Yams
@testable import VirtmonServer

/// docs/configuration.md is what the loaders read: generated from their key enums and real defaults.
@Suite struct ConfigReferenceTests {
    static let docs = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("docs")

    @Test func theCommittedReferenceIsTheGeneratedOne() throws {
        let committed = try String(contentsOf: ConfigReferenceTests.docs.appendingPathComponent("configuration.md"), encoding: .utf8)
        #expect(committed == ConfigReference.markdown(),
                "docs/configuration.md is out of date: run `swift run virtmon config reference > docs/configuration.md`")
    }

    @Test func defaultsAreRenderedFromTheRealValues() {
        let keys = Dictionary(uniqueKeysWithValues: ConfigReference.sections.flatMap(\.keys).map { ($0.path, $0) })
        #expect(keys["agent.interval"]?.defaultValue == "10s")
        #expect(keys["publishing.spool_max_bytes"]?.defaultValue == "256MiB")
        #expect(keys["publishing.retry_max"]?.defaultValue == "30s")
        #expect(keys["collector.retention"]?.defaultValue == "30d")
        #expect(keys["collector.listen"]?.defaultValue == "127.0.0.1:8777")
        #expect(keys["monitors.guest_memory_limit"]?.defaultValue == "128MiB")
        #expect(ConfigReference.text(.milliseconds(500)) == "500ms" && ConfigReference.text(.seconds(90)) == "90s")
    }

    /// Every key the commented example sets is in the reference under the same path.
    @Test func everyKeyOfTheExampleIsDocumented() throws {
        let text = try String(contentsOf: ConfigReferenceTests.docs.appendingPathComponent("agent.example.yaml"), encoding: .utf8)
        let documented = Set(ConfigReference.sections.flatMap(\.keys).map(\.path))
        var missing: [String] = []
        func walk(_ node: Node, _ path: String) {
            if let mapping = node.mapping {
                for (key, value) in mapping {
                    guard let name = key.scalar?.string else { continue }
                    let child = path.isEmpty ? name : "\(path).\(name)"
                    // The check mappings of monitors are documented by their common keys.
                    let checkKey = path.hasPrefix("monitors.") && ["enabled", "cycle", "level"].contains(name)
                    if !path.isEmpty, !documented.contains(child), !checkKey { missing.append(child) }
                    if ["monitors.memory_usage", "monitors.cpu_usage", "monitors.liveness", "monitors.host_memory", "collector.project_tokens"].contains(child) { continue }
                    walk(value, child)
                }
            } else if let sequence = node.sequence {
                for item in sequence { walk(item, path + "[]") }
            }
        }
        if let root = try Yams.compose(yaml: text) { walk(root, "") }
        #expect(missing.isEmpty, "in the example but not the reference: \(missing)")
    }
}
