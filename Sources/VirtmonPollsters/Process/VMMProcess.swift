import Foundation
import VirtmonAgent
import VirtmonModel

/// A hypervisor process on this host and what is known of its guest.
public struct VMMProcess: Sendable, Hashable {
    /// How it was found.
    public enum Origin: String, Sendable, Hashable {
        /// From libvirt's `/run/libvirt/qemu/NAME.pid`: its domain should run while that file names it.
        case libvirt
        /// By its program name.
        case name
        /// Given by the user (`--pid`, `monitors.vmm.pids`).
        case explicit
    }

    public var pid: Int32
    public var program: String
    public var domain: String?
    public var uuid: String?
    /// Guest memory from the domain or the command line, when known.
    public var guestMemoryKiB: UInt64?
    public var origin: Origin

    /// The resource id its samples and events carry: `UUID-vmm` when the domain is known (its instance id is in
    /// the metadata, as a disk's or a vNIC's is), else `HOST-vmm-PID`. Not the bare UUID: the process is not the
    /// instance, and a resource's ids and metadata come from its latest sample, so the process's samples would
    /// replace the instance's name, state and project.
    public func resourceID(host: String) -> String { uuid.map { "\($0)-vmm" } ?? "\(host)-vmm-\(pid)" }

    /// `pid 4242 (qemu-system-x86_64, domain web)`, for event messages.
    public var label: String { "pid \(pid) (\(program)" + (domain.map { ", domain \($0)" } ?? "") + ")" }

    /// The resource metadata its samples carry.
    public var metadata: [String: JSONValue] {
        var metadata: [String: JSONValue] = ["pid": .number(Double(pid)), "program": .string(program),
                                             "resource_type": "vmm_process"]
        if let domain { metadata["domain"] = .string(domain) }
        if let uuid { metadata["instance_id"] = .string(uuid) }
        return metadata
    }

    /// Reads and splits its resident memory.
    public func memory(procRoot: String, defaultLimitKiB: UInt64) throws(ProcFSError) -> (MemoryOverhead, limitKiB: UInt64) {
        let text = try FileSnapshot.readFile("\(procRoot)/\(pid)/smaps")
        let mappings = MemoryMapping.parse(smaps: text)
        guard !mappings.isEmpty else {
            throw ProcFSError.malformed(path: "\(procRoot)/\(pid)/smaps", reason: "no mappings (process gone?)")
        }
        let limit = guestMemoryKiB ?? defaultLimitKiB
        return (MemoryOverhead(mappings: mappings, limitKiB: limit), limit)
    }

    /// Reads its CPU time, split into vCPU threads and the rest. The vCPU threads are read before the
    /// process total, so the total always includes them and the rest never comes out negative.
    public func cpuTimes(procRoot: String) throws(ProcFSError) -> ProcessCPUTimes {
        var vcpu: UInt64 = 0
        var threads = 0
        let taskDirectory = "\(procRoot)/\(pid)/task"
        for tid in (try? FileManager.default.contentsOfDirectory(atPath: taskDirectory)) ?? [] {
            // A thread that ends between the listing and the read is simply not counted.
            guard let comm = try? FileSnapshot.readFile("\(taskDirectory)/\(tid)/comm"),
                ProcessCPUTimes.isVCPUThread(comm),
                let stat = try? FileSnapshot.readFile("\(taskDirectory)/\(tid)/stat"),
                let ticks = ProcessCPUTimes.ticks(stat: stat)
            else { continue }
            vcpu += ticks
            threads += 1
        }
        let statPath = "\(procRoot)/\(pid)/stat"
        guard let total = ProcessCPUTimes.ticks(stat: try FileSnapshot.readFile(statPath)) else {
            throw ProcFSError.malformed(path: statPath, reason: "no utime and stime fields")
        }
        return ProcessCPUTimes(totalTicks: max(total, vcpu), vcpuTicks: vcpu, vcpuThreads: threads)
    }

    /// Whether the process still exists (and is not a zombie).
    public func isAlive(procRoot: String) -> Bool {
        guard let stat = try? FileSnapshot.readFile("\(procRoot)/\(pid)/stat"),
            let close = stat.lastIndex(of: ")")
        else { return false }
        let state = stat[stat.index(after: close)...].split(separator: " ").first
        return state != "Z" && state != "X"
    }
}

/// Finds hypervisor processes: libvirt's pid files first, then every process whose program is a known VMM,
/// then the PIDs a user names (which are taken whatever their program).
public enum VMMDiscovery {
    /// The PID libvirt's `RUN/qemu/DOMAIN.pid` names, if the file exists and holds one.
    public static func libvirtPID(domain: String, libvirtRunDir: String) -> Int32? {
        guard let text = try? FileSnapshot.readFile("\(libvirtRunDir)/qemu/\(domain).pid") else { return nil }
        return Int32(text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    public static func find(procRoot: String = "/proc", libvirtRunDir: String = "/run/libvirt",
                            explicitPIDs: [Int32] = [], scanByName: Bool = true) -> [VMMProcess] {
        var found: [Int32: VMMProcess] = [:]
        func command(_ pid: Int32) -> VMMCommandLine? {
            guard let cmdline = try? FileSnapshot.readFile("\(procRoot)/\(pid)/cmdline"), !cmdline.isEmpty else {
                return nil
            }
            return VMMCommandLine(cmdline: cmdline)
        }
        func describe(_ pid: Int32, _ command: VMMCommandLine, origin: VMMProcess.Origin, domain: String?) -> VMMProcess {
            VMMProcess(
                pid: pid, program: command.program, domain: domain ?? command.guestName, uuid: command.uuid,
                guestMemoryKiB: command.guestMemoryKiB, origin: origin)
        }
        let pidDirectory = libvirtRunDir + "/qemu"
        for file in (try? FileManager.default.contentsOfDirectory(atPath: pidDirectory)) ?? [] where file.hasSuffix(".pid") {
            let domain = String(file.dropLast(4))
            guard let pid = libvirtPID(domain: domain, libvirtRunDir: libvirtRunDir), let command = command(pid) else {
                continue
            }
            found[pid] = describe(pid, command, origin: .libvirt, domain: domain)
        }
        if scanByName {
            for entry in (try? FileManager.default.contentsOfDirectory(atPath: procRoot)) ?? [] {
                guard let pid = Int32(entry), found[pid] == nil, let command = command(pid), command.isHypervisor
                else { continue }
                found[pid] = describe(pid, command, origin: .name, domain: nil)
            }
        }
        for pid in explicitPIDs {
            if var process = found[pid] ?? command(pid).map({ describe(pid, $0, origin: .explicit, domain: nil) }) {
                process.origin = .explicit
                found[pid] = process
            }
        }
        return found.values.sorted { $0.pid < $1.pid }
    }
}
