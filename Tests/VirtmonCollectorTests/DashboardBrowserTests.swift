import AsyncHTTPClient
import Foundation
import NIOCore
import Testing
import VirtmonModel
import VirtmonTestSupport

/// The dashboard in real headless Chromium, driven by selenium (Fixtures/dashboard_browser.py), against
/// `virtmon up`: its real agent reads this host and a libvirt test-driver node of 12 domains, some in
/// project-0 — and, with the libvirt lab, a second agent reading a real QEMU guest under the real libvirtd.
/// Every view must load with data and log nothing to the console; sorting, filtering, the time
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

    /// A transient TCG guest from the lab's kernel and initrd; its name, for `virsh destroy`.
    static func startLabGuest(lab: String, in directory: URL) async throws -> String {
        let name = "virtmon-dashboard-\(UInt32.random(in: 0...UInt32.max))"
        let disk = directory.appendingPathComponent("lab-disk.img")
        try FileManager.default.copyItem(atPath: lab + "/guest/disk.img", toPath: disk.path)
        let xml = directory.appendingPathComponent("lab-guest.xml")
        try LibvirtLab.linuxGuest(name: name, lab: lab, disk: disk.path, console: directory.path + "/lab-console.log")
            .write(to: xml, atomically: true, encoding: .utf8)
        let created = try await LibvirtLab.virsh("create", xml.path)
        guard created.status == 0 else { throw DashboardTestError(message: "virsh create \(name): \(created.stderr)") }
        return name
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
        var labAgent: Process?
        let up = Process()
        up.executableURL = URL(fileURLWithPath: BuiltExecutable.path("virtmon")!)
        up.arguments = ["up", "--data-dir", directory.appendingPathComponent("data").path, "--listen", "127.0.0.1:\(port)",
                        "--interval", "1", "--config", config.path, "--log-level", "error"]
        // Output to files, not the test runner's pipes: were this test process to die, a child holding them
        // would keep `swift test` waiting for their end.
        let upLog = directory.appendingPathComponent("up.log")
        FileManager.default.createFile(atPath: upLog.path, contents: nil)
        up.standardOutput = try FileHandle(forWritingTo: upLog)
        up.standardError = up.standardOutput
        try up.run()
        defer { kill(up.processIdentifier, SIGKILL) }
        try await CrashTests.waitHealthy(port: port)
        let token = try String(contentsOfFile: directory.appendingPathComponent("data/admin-token").path, encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        // Rates need two cycles and the VMs' per-device rows a third.
        _ = try await UpCommandTests.waitFor(4, port: port, token: token)
        // A VM whose name is markup, posted through the Ceilometer API as any project token could: the page must
        // show it as text (the script checks that the handler never ran).
        let hostile = SecurityRegressionTests.sample("hostile-vm", project: "project-0", meter: "power.state",
                                                     metadata: ["name": "<img src=x onerror=\"window.__injected=1\">", "host": "vm"])
        var post = HTTPClientRequest(url: "http://127.0.0.1:\(port)/v2/meters/power.state")
        post.method = .POST
        post.headers.add(name: "X-Auth-Token", value: "project-0-token")
        post.headers.add(name: "Content-Type", value: "application/json")
        post.body = .bytes(ByteBuffer(bytes: WireJSON.encode(.array([hostile]))))
        let posted = try await CollectorHarness.http.execute(post, timeout: .seconds(10))
        #expect(posted.status == .ok)

        // With the libvirt lab: a real TCG guest under the real libvirtd, read by a second agent (host "lab-host"),
        // so the views also show a QEMU guest's meters and its hypervisor process's overhead.
        var labGuest: String?
        if let lab = LibvirtLab.directory {
            let guest = try await DashboardBrowserTests.startLabGuest(lab: lab, in: directory)
            labGuest = guest
            let agentConfig = directory.appendingPathComponent("lab-agent.yaml")
            let secret = try String(contentsOfFile: directory.appendingPathComponent("data/agent-secret").path, encoding: .utf8)
                .trimmingCharacters(in: .whitespacesAndNewlines)
            try """
                agent:
                  host: lab-host
                  libvirt_uri: "qemu:///system"
                publishing:
                  secret: "\(secret)"
                """.write(to: agentConfig, atomically: true, encoding: .utf8)
            let agent = Process()
            agent.executableURL = URL(fileURLWithPath: BuiltExecutable.path("virtmon")!)
            agent.arguments = ["agent", "--config", agentConfig.path, "--data-dir", directory.appendingPathComponent("lab-agent").path,
                               "--interval", "1", "--publisher", "http://127.0.0.1:\(port)/api/v1/batches", "--log-level", "error"]
            agent.standardOutput = FileHandle.nullDevice
            agent.standardError = FileHandle.nullDevice
            try agent.run()
            labAgent = agent
        } else {
            print("⚠️  the dashboard's browser test runs without a libvirt lab guest: VIRTMON_LIBVIRT_LAB does not name a started lab (bash scripts/test.sh starts one as root)")
        }
        defer {
            if let labAgent { kill(labAgent.processIdentifier, SIGKILL) }
            if let labGuest { _ = try? Process.run(URL(fileURLWithPath: "/usr/bin/virsh"), arguments: ["-c", "qemu:///system", "destroy", labGuest]) }
        }
        if labGuest != nil { try await Task.sleep(for: .seconds(6)) }

        let artifacts = DashboardBrowserTests.packageRoot.appendingPathComponent(".build/test-artifacts/dashboard")
        let script = DashboardBrowserTests.packageRoot.appendingPathComponent("Tests/VirtmonCollectorTests/Fixtures/dashboard_browser.py")
        let result = try await ProcessRunner.run(tools.python, [
            script.path, "http://127.0.0.1:\(port)", token, "project-0-token", "project-0", artifacts.path,
        ] + (labGuest.map { [$0] } ?? []))
        print(result.stdout)
        let failed = result.stdout.split(separator: "\n").filter { $0.hasPrefix("FAIL") }
        #expect(result.status == 0 && result.stdout.contains("RESULT ok"),
                "browser checks failed: \(failed.joined(separator: "; "))\n\(result.stderr.suffix(3000))")
        for view in ["overview", "host", "vms", "vm", "events", "alarms", "vms-project"] {
            #expect(FileManager.default.fileExists(atPath: artifacts.appendingPathComponent("\(view).png").path), "no screenshot of \(view)")
        }
    }
}

struct DashboardTestError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
