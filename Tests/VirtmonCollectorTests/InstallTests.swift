import Foundation
import Testing
import VirtmonTestSupport

/// scripts/install.sh into a temporary prefix, with the binary the suite built: what an operator gets.
@Suite("Install")
struct InstallTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test("install.sh: a virtmon that says its version and commit, a manual, completions, and units systemd-analyze verify accepts",
          .enabled(if: BuiltExecutable.path("virtmon") != nil))
    func installIntoAPrefix() async throws {
        let prefix = FileManager.default.temporaryDirectory.appendingPathComponent("virtmon-install-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: prefix) }
        let script = InstallTests.root.appendingPathComponent("scripts/install.sh").path
        let installed = try await ProcessRunner.run("/bin/bash", [script, "--prefix", prefix.path, "--binary", BuiltExecutable.path("virtmon")!])
        #expect(installed.status == 0, "install.sh: \(installed.stdout)\(installed.stderr)")

        let virtmon = prefix.appendingPathComponent("bin/virtmon").path
        let version = try await ProcessRunner.run(virtmon, ["--version"])
        let line = version.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(line.range(of: #"^virtmon [0-9]+\.[0-9]+\.[0-9]+ \(commit ([0-9a-f]{12}(\+changes)?|unknown)\)$"#, options: .regularExpression) != nil, "\(line)")
        let head = try await ProcessRunner.run("/usr/bin/git", ["-C", InstallTests.root.path, "rev-parse", "--short=12", "HEAD"])
        if head.status == 0 {
            // The binary names the commit it was built from (the suite builds the checkout it runs in).
            #expect(line.contains("(commit \(head.stdout.trimmingCharacters(in: .whitespacesAndNewlines))"), "\(line)")
        }

        let manual = prefix.appendingPathComponent("share/man/man1/virtmon.1").path
        let page = try String(contentsOfFile: manual, encoding: .utf8)
        #expect(page.hasPrefix(".TH VIRTMON 1"))
        for command in ["up", "agent", "collector", "statistics", "config check", "storage stats"] {
            #expect(page.contains(".SS \\fBvirtmon \(command)\\fR"), "the manual has no section for virtmon \(command)")
        }
        #expect(page.contains(line.replacingOccurrences(of: "-", with: "\\-")), "the manual's header names the version")
        // groff in warning mode reads the page as man would; it prints nothing for a well-formed page.
        let lint = try await ProcessRunner.run("/usr/bin/groff", ["-man", "-z", "-ww", manual])
        #expect(lint.status == 0 && lint.stderr.isEmpty, "groff: \(lint.stderr)")

        for completion in ["share/bash-completion/completions/virtmon", "share/zsh/site-functions/_virtmon", "share/fish/vendor_completions.d/virtmon.fish"] {
            let text = try String(contentsOfFile: prefix.appendingPathComponent(completion).path, encoding: .utf8)
            #expect(text.contains("virtmon") && text.contains("statistics"), "\(completion) does not complete virtmon's commands")
        }
        let config = prefix.appendingPathComponent("etc/virtmon/virtmon.yaml").path
        let checked = try await ProcessRunner.run(virtmon, ["config", "check", config])
        #expect(checked.status == 0 && checked.stdout.contains("batches signed: yes"), "\(checked.stdout)\(checked.stderr)")
        #expect(try FileManager.default.attributesOfItem(atPath: config)[.posixPermissions] as? Int == 0o640)

        let units = ["virtmon-collector.service", "virtmon-agent.service"].map { prefix.appendingPathComponent("lib/systemd/system/\($0)").path }
        for unit in units {
            let text = try String(contentsOfFile: unit, encoding: .utf8)
            #expect(text.contains("ExecStart=\(virtmon) ") && text.contains("\(prefix.path)/etc/virtmon/virtmon.yaml"), "\(unit)")
            #expect(text.contains("User=virtmon") && text.contains("ProtectSystem=strict") && text.contains("NoNewPrivileges=yes"))
        }
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/systemd-analyze") else {
            Issue.record("systemd-analyze is missing: bash scripts/test.sh installs Debian's systemd package")
            return
        }
        // verify also opens each unit's Documentation=man:virtmon(1): the installed page must be found.
        let verified = try await ProcessRunner.run("/usr/bin/systemd-analyze", ["verify"] + units,
                                                   environment: ["MANPATH": prefix.appendingPathComponent("share/man").path])
        let complaints = (verified.stdout + verified.stderr).split(separator: "\n").filter { $0.contains("virtmon") }
        #expect(verified.status == 0 && complaints.isEmpty, "systemd-analyze verify: \(verified.stdout)\(verified.stderr)")
    }
}
