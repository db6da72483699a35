import Foundation
import Logging
import ServiceLifecycle
import VirtmonModel
import VirtmonStorage

/// Deletes samples older than the retention age: once at start, then hourly.
struct RetentionService: Service {
    let storage: any Storage
    let retention: Duration
    let logger: Logger
    var every: Duration = .seconds(3600)

    func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let cutoff = Date().addingTimeInterval(-retention.inSeconds)
            do {
                let deleted = try await storage.deleteSamples(before: cutoff)
                if deleted > 0 { logger.info("retention: deleted old samples", metadata: ["deleted": "\(deleted)", "before": "\(cutoff)"]) }
            } catch {
                logger.error("retention: delete failed, will retry", metadata: ["error": "\(error)"])
            }
            let pause = every
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: pause) }
        }
    }
}
