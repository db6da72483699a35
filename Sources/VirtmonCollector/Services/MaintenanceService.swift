import Foundation
import Logging
import ServiceLifecycle
import VirtmonStorage

/// Runs the store's housekeeping (sealing idle heads, checkpoints, compaction, rollup expiry) every minute.
public struct MaintenanceService: Service {
    let storage: any Storage
    let logger: Logger
    let every: Duration
    /// Whether this collector does the housekeeping now (in a fleet on one database, one member does).
    let onDuty: @Sendable () -> Bool

    public init(storage: any Storage, logger: Logger, every: Duration = .seconds(60), onDuty: @escaping @Sendable () -> Bool = { true }) {
        self.onDuty = onDuty
        self.storage = storage
        self.logger = logger
        self.every = every
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let pause = every
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: pause) }
            guard !Task.isShuttingDownGracefully && !Task.isCancelled else { break }
            guard onDuty() else { continue }
            do {
                let report = try await storage.maintain()
                if report.sealedChunks > 0 || report.compactedChunks > 0 {
                    logger.debug("maintenance", metadata: [
                        "sealed": "\(report.sealedChunks)", "compacted": "\(report.compactedChunks)",
                        "into": "\(report.compactedInto)", "checkpointed": "\(report.checkpointed)",
                    ])
                }
            } catch {
                logger.error("maintenance failed, will retry", metadata: ["error": "\(error)"])
            }
        }
    }
}
