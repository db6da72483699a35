import Foundation
import Logging
import VirtmonCollector
import VirtmonStorage

/// What the routes share: the store, the ingest path, the tokens and the collector's start time.
public struct APIEnvironment: Sendable {
    public var storage: any Storage
    public var ingestor: Ingestor
    public var tokens: TokenTable
    /// Failed token checks per client address (see `AuthFailureLimiter`).
    public var authFailures = AuthFailureLimiter()
    public var logger: Logger
    public var startedAt: Date
    /// Default and largest number of samples one listing returns (Ceilometer's default is 100); a larger
    /// limit is lowered to the largest, so that one answer stays a few megabytes.
    public var defaultLimit = 100
    public var maxLimit = 10_000
    /// Most rows one statistics answer may hold; a query that would produce more is refused with a period
    /// that fits.
    public var maxStatisticsRows = 100_000
    /// The HTTP listener's bounds, and what its guards counted.
    public var connections = ConnectionLimits()
    public var connectionLedger = ConnectionLedger()
    /// Datagrams the kernel dropped on the UDP ingest socket (its receive buffer was full); nil without UDP.
    public var udpDrops: (@Sendable () -> Int?)?
    /// Told when an alarm is created, changed or deleted, so the evaluator reads them again.
    public var alarmsChanged: @Sendable () -> Void = {}

    public init(storage: any Storage, ingestor: Ingestor, tokens: TokenTable, logger: Logger, startedAt: Date = Date()) {
        self.storage = storage
        self.ingestor = ingestor
        self.tokens = tokens
        self.logger = logger
        self.startedAt = startedAt
    }

    /// The caller's filters plus the project a project token is limited to.
    func scoped(_ filters: [QueryFilter], _ scope: AccessScope) -> [QueryFilter] {
        guard let project = scope.project else { return filters }
        return filters + [QueryFilter(.projectID, .eq, .string(project))]
    }

    func clamp(_ limit: Int?) -> Int { min(limit ?? defaultLimit, maxLimit) }
}
