import Foundation
import Logging
import VirtmonCollector
import VirtmonStorage

/// What the routes share: the store, the ingest path, the tokens and the collector's start time.
public struct APIEnvironment: Sendable {
    public var storage: any Storage
    public var ingestor: Ingestor
    public var tokens: TokenTable
    public var logger: Logger
    public var startedAt: Date
    /// Default and largest number of samples one listing returns.
    public var defaultLimit = 100
    public var maxLimit = 100_000

    public init(storage: any Storage, ingestor: Ingestor, tokens: TokenTable, logger: Logger, startedAt: Date = Date()) {
        self.storage = storage
        self.ingestor = ingestor
        self.tokens = tokens
        self.logger = logger
        self.startedAt = startedAt
    }

    /// The caller's filters plus the project a project token is limited to.
    func scoped(_ filters: [QueryFilter], _ scope: AccessScope?) -> [QueryFilter] {
        guard let project = scope?.project else { return filters }
        return filters + [QueryFilter(.projectID, .eq, .string(project))]
    }

    func clamp(_ limit: Int?) -> Int { min(limit ?? defaultLimit, maxLimit) }
}
