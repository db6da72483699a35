import Foundation
import Testing
import VirtmonModel
import VirtmonPipeline
@testable import VirtmonServer


@Suite struct ConfigLoaderTests {
    func error(_ yaml: String) -> ConfigError? {
        do {
            _ = try ConfigLoader.parse(yaml, file: "agent.yaml")
            return nil
        } catch {
            return error
        }
    }

    @Test func anEmptyFileMeansDefaults() throws {
        for text in ["", "# only a comment\n", "~\n"] {
            let config = try ConfigLoader.parse(text, file: "agent.yaml")
            #expect(config.interval == .seconds(10))
            #expect(config.sources.map(\.name) == ["host"])
            #expect(config.sinks.map(\.publishers) == [["log://"]])
        }
    }

    @Test func aFullFileIsRead() throws {
        let config = try ConfigLoader.parse("""
            agent:
              host: node7
              data_dir: /tmp/virtmon-test
              interval: 30s
              log_level: debug
            sources:
              - name: fast
                interval: 500ms
                meters: ["hardware.cpu.*", "!hardware.cpu.load.15min"]
                sinks: [collector]
              - name: slow
                meters: "*"
            sinks:
              - name: collector
                transformers:
                  - type: rate_of_change
                    meters: [cpu]
                    target: {name: cpu_util, unit: "%", scale: "100.0 / (10**9 * (resource_metadata.cpu_number or 1))", max: 100}
                  - type: unit_conversion
                    meters: ["hardware.memory.*"]
                    target: {unit: MB, scale: "volume / 1024"}
                publishers: ["http://127.0.0.1:8777/v1/batches", "file:///tmp/virtmon-test/s.jsonl"]
            publishing:
              secret: abc
              batch_size: 250
              spool_max_bytes: 64MiB
              retry_max: 1m
            """, file: "agent.yaml")
        #expect(config.host == "node7" && config.dataDir == "/tmp/virtmon-test" && config.logLevel == "debug")
        #expect(config.publishing.dataDir == "/tmp/virtmon-test")
        #expect(config.interval(of: config.sources[0]) == .milliseconds(500))
        #expect(config.interval(of: config.sources[1]) == .seconds(30))
        #expect(!config.sources[0].meters.matches("hardware.cpu.load.15min"))
        let rate = config.sinks[0].transformers[0]
        #expect(rate.kind == .rateOfChange && rate.target.name == "cpu_util" && rate.target.maximum == 100)
        guard case .expression(let expression)? = rate.target.scale else {
            Issue.record("scale is not an expression")
            return
        }
        #expect(expression.source.contains("cpu_number"))
        let conversion = config.sinks[0].transformers[1]
        #expect(conversion.kind == .unitConversion && !conversion.keepInput && conversion.target.unit == "MB")
        #expect(config.publishing.secret == "abc" && config.publishing.batchSize == 250)
        #expect(config.publishing.spoolMaxBytes == 64 << 20 && config.publishing.retry.maximum == .seconds(60))
    }

    @Test func unknownKeysAreRefusedWithLineColumnAndSuggestion() throws {
        let failure = try #require(error("agent:\n  host: a\n  intervl: 5\n"))
        #expect(failure.line == 3 && failure.column == 3)
        #expect(failure.description.hasPrefix("agent.yaml:3:3: unknown key 'intervl' in agent (did you mean 'interval'?)"))
    }

    @Test func badValuesSayWhatAndWhere() throws {
        let cases: [(String, Int, String)] = [
            ("agent:\n  interval: soon\n", 2, "agent.interval must be a duration"),
            ("agent:\n  interval: 1ms\n", 2, "at least"),
            ("agent:\n  data_dir: relative/dir\n", 2, "absolute path"),
            ("agent:\n  log_level: loud\n", 2, "log_level must be one of"),
            ("publishing:\n  batch_size: 0\n", 2, "between 1 and 100000"),
            ("publishing:\n  spool_max_bytes: lots\n", 2, "must be a size"),
            ("sinks:\n  - name: a\n    publishers: [\"ftp://x\"]\n", 3, "unknown scheme 'ftp'"),
            ("sinks:\n  - name: a\n    publishers: []\n", 3, "needs at least one publisher"),
            ("sinks:\n  - name: a\n    publishers: [log://]\n    transformers:\n      - type: average\n        meters: [x]\n",
             5, "unknown transformer type 'average'"),
            ("sinks:\n  - name: a\n    publishers: [log://]\n    transformers:\n      - type: delta\n        meters: [x]\n        target: {scale: \"volume * (2\"}\n",
             7, "missing ')'"),
            ("sources:\n  - name: s\n    meters: []\n", 3, "meter list is empty"),
            ("sources:\n  - name: s\n    sinks: [nowhere]\n", 2, "names sink 'nowhere'"),
            ("sources:\n  - meters: ['*']\n", 2, "every source needs a name"),
            ("agent: [1, 2]\n", 1, "agent must be a mapping"),
            ("agent:\n  host: a\n  host: b\n", 2, "'host' appears twice"),
        ]
        for (yaml, line, fragment) in cases {
            let failure = try #require(error(yaml), "accepted: \(yaml)")
            #expect(failure.line == line, "\(yaml) → \(failure)")
            #expect(failure.message.contains(fragment), "\(yaml) → \(failure)")
        }
    }

    @Test func malformedYAMLSaysWhere() throws {
        let failure = try #require(error("agent:\n  host: [unclosed\n"))
        #expect(failure.line != nil)
        #expect(failure.message.hasPrefix("not valid YAML"))
    }

    @Test func aMissingFileIsAnError() {
        #expect(throws: ConfigError.self) { try ConfigLoader.load(path: "/nonexistent/virtmon.yaml") }
    }

    @Test func sizesAndDurations() {
        #expect(ConfigReader.parseSize("64MiB") == 64 << 20)
        #expect(ConfigReader.parseSize("1GiB") == 1 << 30)
        #expect(ConfigReader.parseSize("512 KiB") == 512 << 10)
        #expect(ConfigReader.parseSize("1000") == 1000)
        #expect(ConfigReader.parseSize("2MB") == 2_000_000)
        #expect(ConfigReader.parseSize("-1MiB") == nil)
        #expect(ConfigReader.parseDuration("2.5") == .milliseconds(2500))
        #expect(ConfigReader.parseDuration("1h") == .seconds(3600))
        #expect(ConfigReader.parseDuration("500ms") == .milliseconds(500))
        #expect(ConfigReader.parseDuration("soon") == nil)
    }

    @Test func theExampleConfigInDocsIsValid() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/agent.example.yaml").path
        let config = try ConfigLoader.load(path: path)
        #expect(!config.sinks.isEmpty)
    }
}

@Suite struct MeterCatalogueTests {
    @Test func docsMetersMdIsUpToDate() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/meters.md").path
        let onDisk = try String(contentsOfFile: path, encoding: .utf8)
        #expect(onDisk == MeterCatalogue.markdown(), "regenerate with: swift run virtmon meters --markdown > docs/meters.md")
    }
}

@Suite struct MonitorConfigTests {
    @Test func monitorsSectionIsRead() throws {
        let config = try ConfigLoader.parse("""
            monitors:
              queue_size: 50
              webhook: http://127.0.0.1:9000/hook
              handlers:
                liveness: [log, webhook]
              pids: [4242, 4343]
              guest_memory_limit: 1GiB
              memory_usage: {cycle: 2s, max_overhead: 64MiB, level: fatal}
              cpu_usage: {enabled: false, max_percent: 80}
              host_memory: {min_available_share: 0.25}
            """, file: "m.yaml").monitors
        #expect(config.queueSize == 50 && config.pids == [4242, 4343])
        #expect(config.guestMemoryLimitKiB == 1024 * 1024 && config.maxOverheadKiB == 64 * 1024)
        #expect(config.memoryUsage.cycle == .seconds(2) && config.memoryUsage.level == .fatal)
        #expect(!config.cpuUsage.enabled && config.maxCPUPercent == 80 && config.minimumAvailableShare == 0.25)
        #expect(config.handlerNames(for: "liveness") == ["log", "webhook"])
        #expect(config.handlerNames(for: "memory_usage") == ["log", "publish", "webhook"])
        #expect(MonitorConfig.parseKiB("4096") == 4096 && MonitorConfig.parseKiB("64MiB") == 65536)
        #expect(MonitorConfig.parseKiB("lots") == nil)
    }

    @Test func badMonitorSettingsSayWhere() throws {
        let cases: [(String, Int, String)] = [
            ("monitors:\n  handlers:\n    liveness: [pager]\n", 3, "unknown handler 'pager'"),
            ("monitors:\n  handlers:\n    disk_full: [log]\n", 3, "unknown key 'disk_full'"),
            ("monitors:\n  default_handlers: [webhook]\n", 2, "monitors.webhook (its URL) is not set"),
            ("monitors:\n  webhook: ftp://x\n", 2, "must be an http:// or https:// URL"),
            ("monitors:\n  memory_usage: {max_overhead: huge}\n", 2, "max_overhead must be a size"),
            ("monitors:\n  liveness: {level: panic}\n", 2, "level must be info, error or fatal"),
            ("monitors:\n  host_memory: {min_available_share: 2}\n", 2, "between 0 and 1"),
            ("monitors:\n  pids: [0]\n", 2, "between 1 and"),
        ]
        for (yaml, line, fragment) in cases {
            do {
                _ = try ConfigLoader.parse(yaml, file: "m.yaml")
                Issue.record("accepted: \(yaml)")
            } catch {
                #expect(error.line == line, "\(yaml) → \(error)")
                #expect(error.message.contains(fragment), "\(yaml) → \(error)")
            }
        }
    }
}
