import ArgumentParser
import Foundation
import VirtmonServer
import VirtmonPollsters

struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check", abstract: "One-off checks of this host.", subcommands: [VMM.self])

    struct VMM: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "vmm",
            abstract: "Hypervisor processes: memory outside guest RAM and CPU outside vCPU threads.",
            discussion: "Exit status: 0 when every process is within its limits, 1 when any is over, 2 on bad usage.")

        @Option(name: .long, help: "Check this PID (repeatable); without it, every QEMU, StratoVirt, Firecracker and Cloud Hypervisor process.")
        var pid: [Int32] = []

        @Option(name: .long, help: "Mappings at least this large are guest RAM when a guest's size is unknown (64MiB, 1GiB, or KiB).")
        var guestMemoryLimit = "128MiB"

        @Option(name: .long, help: "Overhead at or above this is a breach (64MiB, 1GiB, or KiB).")
        var maxMemory = "256MiB"

        @Option(name: .long, help: "CPU outside vCPU threads above this percentage of one CPU is a breach.")
        var maxCpu = 50.0

        @Flag(name: .long, help: "Print a JSON array instead of a table.")
        var json = false

        func validate() throws {
            guard MonitorConfig.parseKiB(guestMemoryLimit) != nil else {
                throw ValidationError("--guest-memory-limit must be a size such as 64MiB, 1GiB or a number of KiB; got '\(guestMemoryLimit)'")
            }
            guard MonitorConfig.parseKiB(maxMemory) != nil else {
                throw ValidationError("--max-memory must be a size such as 64MiB, 1GiB or a number of KiB; got '\(maxMemory)'")
            }
            guard maxCpu > 0 else { throw ValidationError("--max-cpu must be above 0") }
            if let bad = pid.first(where: { $0 <= 0 }) { throw ValidationError("--pid must be positive; got \(bad)") }
        }

        func run() async throws {
            var options = VMMCheck.Options()
            options.pids = pid
            options.guestMemoryLimitKiB = MonitorConfig.parseKiB(guestMemoryLimit)!
            options.maxOverheadKiB = MonitorConfig.parseKiB(maxMemory)!
            options.maxCPUPercent = maxCpu
            let rows: [VMMCheck.Row]
            do {
                rows = try await VMMCheck.run(options)
            } catch let error as VMMCheck.MissingProcess {
                FileHandle.standardError.write(Data("virtmon: \(error)\n".utf8))
                throw ExitCode(2)
            }
            print(json ? try VMMCheck.json(rows) : VMMCheck.table(rows, options: options), terminator: "")
            if rows.contains(where: \.exceeded) { throw ExitCode(1) }
        }
    }
}
