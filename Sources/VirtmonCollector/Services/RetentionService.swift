import Foundation
import Logging
import ServiceLifecycle
import VirtmonModel
import VirtmonStorage

/// Deletes samples older than the retention age: once at start, then hourly.
public struct RetentionService: Service {
    let storage: any Storage
    let retention: Duration
    let logger: Logger
    let every: Duration
    /// What "now" is when the cutoff is computed (tests move it).
    let now: @Sendable () -> Date
    /// Whether this collector does the housekeeping now (in a fleet on one database, one member does).
    let onDuty: @Sendable () -> Bool

    public init(storage: any Storage, retention: Duration, logger: Logger, every: Duration = .seconds(3600),
                now: @escaping @Sendable () -> Date = { Date() }, onDuty: @escaping @Sendable () -> Bool = { true }) {
        self.onDuty = onDuty
        self.storage = storage
        self.retention = retention
        self.logger = logger
        self.every = every
        self.now = now
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let cutoff = now().addingTimeInterval(-retention.inSeconds)
            // Off duty another member of the fleet deletes for all.
            if onDuty() {
                do {
                    let deleted = try await storage.deleteSamples(before: cutoff)
                    if deleted > 0 { logger.info("retention: deleted old samples", metadata: ["deleted": "\(deleted)", "before": "\(cutoff)"]) }
                } catch {
                    logger.error("retention: delete failed, will retry", metadata: ["error": "\(error)"])
                }
            }
            let pause = every
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: pause) }
        }
    }
}
