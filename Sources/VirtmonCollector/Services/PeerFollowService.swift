import Foundation
import Logging
import ServiceLifecycle
import VirtmonStorage

/// In a fleet on one database: takes in the other collectors' writes every `every`, so that a sample any of
/// them acknowledged answers queries here within about that long (a write of this collector's own takes them in
/// first anyway). Each time costs one single-row read on the database when nothing changed.
public struct PeerFollowService: Service {
    let storage: any Storage
    let logger: Logger
    let every: Duration

    public init(storage: any Storage, logger: Logger, every: Duration = .milliseconds(250)) {
        self.storage = storage
        self.logger = logger
        self.every = every
    }

    public func run() async throws {
        var failing = false
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let pause = every
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: pause) }
            guard !Task.isShuttingDownGracefully && !Task.isCancelled else { break }
            do {
                _ = try await storage.followPeers()
                if failing { logger.notice("the other collectors' writes are taken in again") }
                failing = false
            } catch {
                // Once per outage: the store's own errors already say when the database is away.
                if !failing { logger.warning("cannot take in the other collectors' writes; queries here miss them until this recovers", metadata: ["error": "\(error)"]) }
                failing = true
            }
        }
    }
}
