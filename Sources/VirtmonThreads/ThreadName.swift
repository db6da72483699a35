import Foundation

/// Names the calling thread as the kernel shows it (`top -H`, `ps -L`, /proc/PID/task/TID/comm). Foundation's
/// `Thread.name` on Linux stays inside Foundation, and a new thread otherwise keeps its creator's name
/// (usually a dispatch worker's), which says nothing about what it blocks on.
enum ThreadName {
    static func set(_ name: String) {
        // The kernel keeps 15 bytes; writing the thread's own comm file is how to set it without prctl.
        let path = "/proc/thread-self/comm"
        guard let handle = FileHandle(forWritingAtPath: path) else { return }
        handle.write(Data(name.utf8.prefix(15)))
        try? handle.close()
    }
}
