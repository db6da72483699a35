import Foundation
import VirtmonModel
import VirtmonThreads

extension ChunkStore {
    // MARK: samples

    /// Matching samples, newest first. Like statistics, read outside the actor from a view taken in it.
    public nonisolated func samples(_ query: SampleQuery) async throws -> [StoredSample] {
        guard let (plan, view) = try await readView(query.filters) else { return [] }
        let reader = ChunkSampleReader(plan: plan, view: view, backend: backend)
        return try await withTaskExecutorPreference(BlockingExecutor.queries, isolation: nil) {
            try await reader.samples(limit: query.limit)
        }
    }

    // MARK: meters and resources

    public func meters(_ filters: [QueryFilter]) throws -> [MeterRecord] {
        let filters = try QueryFilter.normalize(filters)
        try FilterScope.checkMeterFilters(filters)
        return view(for: filters).meterRecords(matching: filters)
    }

    public func resources(_ filters: [QueryFilter]) throws -> [ResourceRecord] {
        let filters = try QueryFilter.normalize(filters)
        try FilterScope.checkResourceFilters(filters)
        return view(for: filters).resourceRecords(matching: filters)
    }

    /// The whole index, or for a query confined to one project (`project_id` eq), that project's own.
    func view(for filters: [QueryFilter]) -> LatestIndex {
        if !indexIsCurrent { rebuildIndex() }
        guard let project = FilterScope.confiningProject(filters) else { return index }
        if let cached = projectIndexes[project] { return cached }
        let own = buildIndex { $0.projectID == project }
        projectIndexes[project] = own
        return own
    }
}
