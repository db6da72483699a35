/// The way virtmon calls something that may block (fsync, getaddrinfo, libvirt, a file under /proc) from
/// async code: the call runs on `BlockingExecutor.shared`, never on the cooperative pool.
public enum Blocking {
    /// Runs `body` on a blocking thread and returns its result.
    public static func run<T: Sendable, Failure: Error>(_ body: @Sendable () throws(Failure) -> T) async throws(Failure) -> T {
        try await withTaskExecutorPreference(BlockingExecutor.shared, isolation: nil) { () async throws(Failure) -> T in
            try body()
        }
    }
}
