// A stand-in for a hypervisor process, for virtmon's monitor tests.
//
//   vmm-stand-in GUEST_MIB TOUCH_MIB
//
// Maps GUEST_MIB of anonymous memory as "guest RAM" and touches the first TOUCH_MIB of it, starts a thread
// named "CPU 0/KVM" that sleeps until told to spin, prints "ready", then obeys one command per line on stdin,
// answering "ok" after each:
//   grow KIB     allocate and touch KIB more of small heap (malloc chunks below mmap's threshold)
//   spin MS      burn MS milliseconds of CPU on the main thread (outside the vCPU thread)
//   vcpu MS      burn MS milliseconds of CPU on the "CPU 0/KVM" thread
//   exit         exit 0
import Foundation
import Synchronization

func say(_ text: String) {
    let line = Array((text + "\n").utf8)
    _ = line.withUnsafeBytes { write(1, $0.baseAddress, $0.count) }
}

func fail(_ text: String, code: Int32) -> Never {
    let line = Array((text + "\n").utf8)
    _ = line.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    exit(code)
}

/// Burns CPU on the calling thread until it has used `milliseconds` of its own CPU time.
func burn(milliseconds: Int) {
    var start = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &start)
    var x: UInt64 = 0
    while true {
        for _ in 0..<100_000 { x = x &* 6364136223846793005 &+ 1 }
        var now = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now)
        if (now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1_000_000 >= milliseconds { break }
    }
    if x == 42 { say("") }
}

let arguments = CommandLine.arguments
guard arguments.count == 3, let guestMiB = Int(arguments[1]), let touchMiB = Int(arguments[2]), touchMiB <= guestMiB
else { fail("usage: vmm-stand-in GUEST_MIB TOUCH_MIB", code: 2) }

let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))
guard let guest = mmap(nil, guestMiB << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0),
    guest != MAP_FAILED
else { fail("mmap failed", code: 1) }
let guestPointer = guest.assumingMemoryBound(to: UInt8.self)
for offset in stride(from: 0, to: touchMiB << 20, by: pageSize) { guestPointer[offset] = 1 }

final class VCPU: Sendable {
    let request = Mutex<Int>(0)
    let start = DispatchSemaphore(value: 0)
    let done = DispatchSemaphore(value: 0)
    let named = DispatchSemaphore(value: 0)
}
let vcpu = VCPU()
let thread = Thread {
    // What pthread_setname_np does, through the file the kernel offers for it (that call is not exported to
    // Swift here): the name QEMU gives its vCPU threads.
    let fd = open("/proc/thread-self/comm", O_WRONLY)
    _ = Array("CPU 0/KVM".utf8).withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    close(fd)
    vcpu.named.signal()
    while true {
        vcpu.start.wait()
        burn(milliseconds: vcpu.request.withLock { $0 })
        vcpu.done.signal()
    }
}
thread.start()
// The thread names itself before readiness is announced, so a reader never sees it unnamed (a fixed 50 ms
// wait lost that race on a loaded machine).
vcpu.named.wait()

var heap: [UnsafeMutableRawPointer] = []
say("ready")
while let line = readLine() {
    let words = line.split(separator: " ")
    let amount = words.count > 1 ? Int(words[1]) : nil
    switch (words.first, amount) {
    case ("grow", let kib?):
        // 64 KiB chunks stay below glibc's mmap threshold (128 KiB), so they extend [heap].
        for _ in 0..<max(1, kib / 64) {
            let chunk = malloc(64 * 1024)!
            memset(chunk, 7, 64 * 1024)
            heap.append(chunk)
        }
    case ("spin", let ms?):
        burn(milliseconds: ms)
    case ("vcpu", let ms?):
        vcpu.request.withLock { $0 = ms }
        vcpu.start.signal()
        vcpu.done.wait()
    case ("exit", _):
        exit(0)
    default:
        say("unknown command: \(line)")
        continue
    }
    say("ok")
}
