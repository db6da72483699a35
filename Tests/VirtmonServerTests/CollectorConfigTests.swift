import Foundation
import Testing
@testable import VirtmonServer

@Suite struct CollectorConfigTests {
    @Test func theExampleConfigsCollectorSectionIsValid() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/agent.example.yaml").path
        var config = CollectorConfig(dataDir: "/tmp/x")
        try CollectorConfigLoader.load(path: path, into: &config)
        #expect(config.listen == .init(host: "127.0.0.1", port: 8777))
        #expect(config.udp == .init(host: "127.0.0.1", port: 4952))
        #expect(config.retention == .seconds(30 * 86_400))
        #expect(config.clockWindow == .seconds(300))
        #expect(config.storageURL == "sqlite:///tmp/x/virtmon.db")
    }

    @Test func settingsAndTheirErrors() throws {
        var config = CollectorConfig(dataDir: "/d")
        try CollectorConfigLoader.parse(
            """
            agent:
              host: h
            collector:
              listen: "[::1]:9000"
              udp: off
              storage: postgres://virtmon@db:5432/virtmon
              project_tokens:
                proj-1: tok-1
                proj-2: tok-2
            """, file: "c.yaml", into: &config)
        #expect(config.listen == .init(host: "::1", port: 9000))
        #expect(config.udp == nil)
        #expect(config.storageURL == "postgres://virtmon@db:5432/virtmon")
        #expect(config.projectTokens == ["tok-1": "proj-1", "tok-2": "proj-2"])

        let cases: [(String, String)] = [
            ("collector:\n  listen: 8777\n", "c.yaml:2:11: collector.listen must be HOST:PORT"),
            ("collector:\n  storage: mysql://x\n", "collector.storage must be sqlite:///PATH or postgres://"),
            ("collector:\n  retension: 1d\n", "did you mean 'retention'"),
            ("collector:\n  retention: 5s\n", "collector.retention"),
            ("collector:\n  log_level: loud\n", "c.yaml:2:14: collector.log_level must be one of trace, debug, info"),
            ("collector:\n  listen: [1\n", "c.yaml:3:1: not valid YAML"),
            ("collector:\n  max_connections: many\n", "collector.max_connections must be a positive whole number, got 'many'"),
        ]
        for (text, message) in cases {
            var scratch = CollectorConfig(dataDir: "/d")
            #expect(throws: ConfigError.self) { try CollectorConfigLoader.parse(text, file: "c.yaml", into: &scratch) }
            do {
                try CollectorConfigLoader.parse(text, file: "c.yaml", into: &scratch)
            } catch {
                #expect(error.description.contains(message), "\(error)")
            }
        }
    }

    @Test func endpoints() {
        #expect(CollectorConfig.Endpoint(parsing: "0.0.0.0:1") == .init(host: "0.0.0.0", port: 1))
        #expect(CollectorConfig.Endpoint(parsing: "host") == nil)
        #expect(CollectorConfig.Endpoint(parsing: ":80") == nil)
        #expect(CollectorConfig.Endpoint(parsing: "h:70000") == nil)
    }

    @Test func secretsAreKeptAndReused() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("virtmon-secret-\(UUID().uuidString)/admin-token").path
        defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
        let first = try SecretFile.loadOrCreate(path: path)
        #expect(first.count == 64)
        #expect(try SecretFile.loadOrCreate(path: path) == first)
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
    }
}
