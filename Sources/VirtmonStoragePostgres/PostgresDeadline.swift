/// Waiting for PostgreSQL with a limit that holds even when the wait cannot be cancelled.
///
/// postgres-nio does not always end a statement, a pool lease or a close when its task is cancelled (seen with a
/// server stopped by `pg_ctl -m immediate` while both cores were busy), and a task group waits for every child
/// before it returns, so a deadline built from a group can be passed by as long as the hung child lasts. Here
/// the work runs in a task of its own, is cancelled when the limit passes, and is left behind if it still does
/// not end; a commit left behind that lands later is recognised by its (agent, seq) when the batch is retried.
enum PostgresDeadline {
    /// `work`'s result, or nil once `limit` has passed.
    static func race<T: Sendable>(_ limit: Duration, _ work: @escaping @Sendable () async throws -> T) async throws -> T? {
        let (answers, continuation) = AsyncStream.makeStream(of: Result<T, any Error>.self)
        let worker = Task {
            do { continuation.yield(.success(try await work())) } catch { continuation.yield(.failure(error)) }
            continuation.finish()
        }
        let timer = Task {
            try? await Task.sleep(for: limit)
            continuation.finish()
        }
        // The caller's cancellation (a stopping collector) reaches the work as before.
        return try await withTaskCancellationHandler {
            defer { timer.cancel() }
            for await answer in answers { return try answer.get() }
            worker.cancel()
            try Task.checkCancellation()
            return nil
        } onCancel: {
            worker.cancel()
            continuation.finish()
        }
    }
}
