import Foundation

/// The libvirt lab scripts/libvirt-lab.sh starts (scripts/test.sh names its directory in VIRTMON_LIBVIRT_LAB): a
/// real libvirtd on qemu:///system and a tiny Linux guest's kernel, initrd and disk image.
public enum LibvirtLab {
    /// The started lab's directory, or nil when there is none.
    public static var directory: String? {
        guard let directory = ProcessInfo.processInfo.environment["VIRTMON_LIBVIRT_LAB"],
              FileManager.default.fileExists(atPath: directory + "/guest/initrd.gz") else { return nil }
        return directory
    }

    /// `virsh -c qemu:///system ARGUMENTS…`.
    public static func virsh(_ arguments: String...) async throws -> ProcessRunner.Result {
        try await ProcessRunner.run("/usr/bin/virsh", ["-c", "qemu:///system"] + arguments)
    }

    /// The domain XML of a TCG guest booting the lab's kernel and initrd: 256 MiB, one vCPU, `disk` (a copy of the
    /// lab's guest/disk.img) as vda, a virtio NIC, its serial console written to `console`, a balloon with stats
    /// every second. Its init busy-loops for 25 s, fills 64 MiB of tmpfs, reads its disk and sends DHCP requests,
    /// announcing each phase on the console. Without `uuid`, libvirt picks one.
    public static func linuxGuest(name: String, uuid: String? = nil, lab: String, disk: String, console: String) -> String {
        """
        <domain type='qemu'>
          <name>\(name)</name>\(uuid.map { "<uuid>\($0)</uuid>" } ?? "")
          <memory unit='MiB'>256</memory><vcpu>1</vcpu>
          <os><type arch='x86_64' machine='pc'>hvm</type><kernel>\(lab)/guest/vmlinuz</kernel>
            <initrd>\(lab)/guest/initrd.gz</initrd><cmdline>console=ttyS0 quiet</cmdline></os>
          <devices>
            <disk type='file' device='disk'><driver name='qemu' type='raw'/>
              <source file='\(disk)'/><target dev='vda' bus='virtio'/></disk>
            <interface type='ethernet'><model type='virtio'/></interface>
            <serial type='file'><source path='\(console)'/></serial>
            <memballoon model='virtio'><stats period='1'/></memballoon>
          </devices>
        </domain>
        """
    }
}

/// Turns for the tests that measure a lab guest's CPU against another reading (virtmon against /proc, against a
/// real Prometheus): one at a time, so that the TCG guests they each start do not take the two cores from one
/// another mid-measurement. Tests in every target share it: they run in one process.
public actor LabGuestTurns {
    public static let shared = LabGuestTurns()
    private var busy = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    /// Runs `body` once no other turn is running.
    public static func take<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        await shared.acquire()
        do {
            let result = try await body()
            await shared.release()
            return result
        } catch {
            await shared.release()
            throw error
        }
    }

    private func acquire() async {
        guard busy else {
            busy = true
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    private func release() {
        if waiting.isEmpty { busy = false } else { waiting.removeFirst().resume() }
    }
}
