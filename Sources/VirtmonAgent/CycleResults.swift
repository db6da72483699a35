import Dispatch
import Synchronization

/// Gathers what a cycle's pollsters report until all have, or the cycle's deadline passes, whichever is
/// first; then resumes the waiting cycle once with what it has. A report after that is refused, so the
/// pollster knows it was late.
///
/// One deadline per cycle rather than a timer per pollster keeps a cycle to a handful of thread wake-ups.
final class CycleResults: Sendable {
    struct Report: Sendable {
        var outcome: PollOutcome
        var duration: Duration
    }

    private struct State {
        var continuation: CheckedContinuation<[String: Report], Never>?
        var reports: [String: Report] = [:]
        var expected: Int
        var deadline: DeadlineTimer?
    }

    private let state: Mutex<State>

    init(expected: Int, continuation: CheckedContinuation<[String: Report], Never>) {
        state = Mutex(State(continuation: continuation, expected: expected))
        if expected == 0 { close() }
    }

    /// Records a pollster's result; false when the cycle has already moved on without it.
    func report(_ key: String, _ report: Report) -> Bool {
        let (accepted, finished) = state.withLock { state -> (Bool, (CheckedContinuation<[String: Report], Never>, [String: Report])?) in
            guard let continuation = state.continuation else { return (false, nil) }
            state.reports[key] = report
            guard state.reports.count == state.expected else { return (true, nil) }
            state.continuation = nil
            state.deadline?.source.cancel()
            state.deadline = nil
            return (true, (continuation, state.reports))
        }
        if let (continuation, reports) = finished { continuation.resume(returning: reports) }
        return accepted
    }

    /// Closes the cycle after `timeout` on a Dispatch timer, unless every pollster has reported by then (the
    /// timer is cancelled then and never fires).
    func closeAfter(_ timeout: Duration) {
        let timer = DispatchSource.makeTimerSource(queue: DispatchQueue.global())
        timer.schedule(deadline: .now() + .nanoseconds(Int(clamping: timeout.inNanoseconds)))
        timer.setEventHandler { [self] in close() }
        // Resumed before it is kept: Dispatch refuses to release a source that was never resumed. Should it fire
        // before it is kept, close() only finds the cycle closed.
        timer.resume()
        let kept = state.withLock { state -> Bool in
            guard state.continuation != nil else { return false }
            state.deadline = DeadlineTimer(source: timer)
            return true
        }
        if !kept { timer.cancel() }
    }

    /// The deadline: resume with what has been reported so far.
    func close() {
        let finished = state.withLock { state -> (CheckedContinuation<[String: Report], Never>, [String: Report])? in
            guard let continuation = state.continuation else { return nil }
            state.continuation = nil
            state.deadline?.source.cancel()
            state.deadline = nil
            return (continuation, state.reports)
        }
        if let (continuation, reports) = finished { continuation.resume(returning: reports) }
    }
}

/// A cycle's deadline timer, held in the cycle's locked state so that whichever comes first, the last report or
/// the deadline, cancels it.
///
/// `@unchecked Sendable` because Dispatch does not mark its source protocols Sendable, though a source's
/// `cancel()` may be called from any thread (libdispatch makes it an atomic state change); `cancel()` is the
/// only call made on it once it is stored, and only under the cycle's lock.
struct DeadlineTimer: @unchecked Sendable {
    let source: any DispatchSourceTimer
}

/// How one pollster run ended.
enum PollOutcome: Sendable {
    case samples([Sample])
    /// `reported`: the pollster has said why already (SourceUnavailable), so the scheduler only counts it.
    case failed(String, reported: Bool)
}

import VirtmonModel
