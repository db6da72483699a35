import Foundation
import VirtmonModel
import VirtmonThreads

extension ChunkStore {
    /// Statistics as of now. The actor is held only to take the view of the matching series; reading and
    /// folding run outside it (`StatisticsReader`), so a heavy query does not hold up commits.
    public nonisolated func statistics(_ query: StatisticsQuery) async throws -> [StatisticsRow] {
        try query.validate()
        guard let (plan, view) = try await readView(query.allFilters) else { return [] }
        let reader = StatisticsReader(query: query, plan: plan, view: view, backend: backend, options: options, now: options.now())
        let backend = backend
        // Folding is CPU work that can take seconds: on the query threads, not the pool ingest runs on.
        return try await withTaskExecutorPreference(BlockingExecutor.queries, isolation: nil) {
            if let start = reader.start { return try await reader.rows(start: start) }
            // Volume and message_id filters, and an unknown start: the reference computation over every sample.
            let samples = try await ChunkSampleReader(plan: plan, view: view, backend: backend).samples(limit: nil)
            let rows = MemoryStorage.statistics(of: samples, query: query)
            if let limit = query.maxRows, rows.count > limit {
                throw query.tooManyRows(groups: Set(rows.map(\.groupBy)).count, span: view.span(within: plan))
            }
            return rows
        }
    }
}
