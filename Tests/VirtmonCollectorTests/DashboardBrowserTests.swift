import Foundation
import Testing
import VirtmonTestSupport

/// The dashboard in real headless Chromium, driven by selenium (Fixtures/dashboard_browser.py), against
/// `virtmon up`: its real agent reads this host and a libvirt test-driver node of 12 domains, some in
/// project-0. Every view must load with data and log nothing to the console; sorting, filtering, the time
/// range, the statistic, auto-refresh (and its pause in a hidden tab), a refused token, alarm create /
/// disable / delete and a project token's narrower view are each checked. Screenshots land in
/// .build/test-artifacts/dashboard/.
@Suite("Dashboard in Chromium")
struct DashboardBrowserTests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The selenium interpreter, Chromium and its driver; nil with the reason when one is missing.
    static var browserTools: (python: String, missing: String?) {
        let python = ProcessInfo.processInfo.environment["VIRTMON_SELENIUM_PYTHON"] ?? ""
        if python.isEmpty || !FileManager.default.isExecutableFile(atPath: python) {
            return (python, "VIRTMON_SELENIUM_PYTHON does not name a python with selenium (bash scripts/test.sh makes one)")
        }
        for tool in ["/usr/bin/chromium", "/usr/bin/chromedriver"] where !FileManager.default.isExecutableFile(atPath: tool) {
            return (python, "\(tool) is missing (Debian's chromium and chromium-driver; bash scripts/test.sh installs them)")
        }
        return (python, nil)
    }

    @Test("every view loads with data and no console errors; sort, filter, range, refresh, sign-in and a project's view work",
          .enabled(if: BuiltExecutable.path("virtmon") != nil))
    func dashboardInChromium() async throws {
        let tools = DashboardBrowserTests.browserTools
        if let missing = tools.missing {
            print("⚠️  SKIPPING the dashboard's browser test: \(missing)")
            return
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("virtmon-dashboard-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let node = try TestNode.write(domains: 12)
        defer { try? FileManager.default.removeItem(at: node) }
        let config = directory.appendingPathComponent("virtmon.yaml")
        try """
            agent:
              libvirt_uri: "test://\(node.path)"
            collector:
              project_tokens:
                project-0: project-0-token
            """.write(to: config, atomically: true, encoding: .utf8)
        let port = try CrashTests.freePort()
        let up = Process()
        up.executableURL = URL(fileURLWithPath: BuiltExecutable.path("virtmon")!)
        up.arguments = ["up", "--data-dir", directory.appendingPathComponent("data").path, "--listen", "127.0.0.1:\(port)",
                        "--interval", "1", "--config", config.path, "--log-level", "error"]
        up.standardOutput = FileHandle.nullDevice
        try up.run()
        defer { kill(up.processIdentifier, SIGKILL) }
        try await CrashTests.waitHealthy(port: port)
        let token = try String(contentsOfFile: directory.appendingPathComponent("data/admin-token").path, encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        // Rates need two cycles and the VMs' per-device rows a third.
        _ = try await UpCommandTests.waitFor(4, port: port, token: token)

        let artifacts = DashboardBrowserTests.packageRoot.appendingPathComponent(".build/test-artifacts/dashboard")
        let script = DashboardBrowserTests.packageRoot.appendingPathComponent("Tests/VirtmonCollectorTests/Fixtures/dashboard_browser.py")
        let result = try await ProcessRunner.run(tools.python, [
            script.path, "http://127.0.0.1:\(port)", token, "project-0-token", "project-0", artifacts.path,
        ])
        print(result.stdout)
        let failed = result.stdout.split(separator: "\n").filter { $0.hasPrefix("FAIL") }
        #expect(result.status == 0 && result.stdout.contains("RESULT ok"),
                "browser checks failed: \(failed.joined(separator: "; "))\n\(result.stderr.suffix(3000))")
        for view in ["overview", "host", "vms", "vm", "events", "alarms", "vms-project"] {
            #expect(FileManager.default.fileExists(atPath: artifacts.appendingPathComponent("\(view).png").path), "no screenshot of \(view)")
        }
    }
}
