import Synchronization

/// Resumes a continuation with whichever of several racing tasks reports first; later reports are ignored.
///
/// The scheduler races a pollster against its deadline: a pollster stuck in a read cannot be cancelled, but
/// the cycle must not wait for it.
final class FirstOutcome<Value: Sendable>: Sendable {
    private let continuation: Mutex<CheckedContinuation<Value, Never>?>

    init(_ continuation: CheckedContinuation<Value, Never>) {
        self.continuation = Mutex(continuation)
    }

    /// Resumes the waiter if nobody has yet.
    func report(_ value: Value) {
        let waiting = continuation.withLock { state -> CheckedContinuation<Value, Never>? in
            defer { state = nil }
            return state
        }
        waiting?.resume(returning: value)
    }
}
