/// Who is writing when it is not the operator: a project token posting through the API. Such a writer may
/// add samples only to resources that are its project's or new, and only up to a number of series.
public struct WriterScope: Sendable, Equatable {
    /// The project every sample is stored under.
    public var project: String
    /// The most series the project may hold; nil for no bound.
    public var maxSeries: Int?

    public init(project: String, maxSeries: Int? = nil) {
        self.project = project
        self.maxSeries = maxSeries
    }
}

/// A write refused because of who asked, not because the store failed: nothing of it was stored.
public enum WriteRefusal: Error, Sendable, Equatable, CustomStringConvertible {
    /// The resource exists and belongs to someone else; nothing more about it is said.
    case foreignResource(String)
    /// The write would take the project past its series bound.
    case seriesQuota(project: String, held: Int, adding: Int, limit: Int)

    public var description: String {
        switch self {
        case .foreignResource(let id):
            "resource \(id) is not yours: it belongs to another project, so this token cannot write samples for it"
        case .seriesQuota(let project, let held, let adding, let limit):
            "project \(project) holds \(held) series and this write adds \(adding); the limit is \(limit) (collector.max_series_per_project)"
        }
    }
}

/// Which project owns each resource, and how many series each project holds: kept beside the series by every
/// store so that a scoped write is checked inside the commit that stores it.
///
/// A resource belongs to the project of its newest series (the description it most recently arrived with),
/// so an operator's write — an agent batch or an admin post — that names another project moves it there.
public struct OwnershipLedger: Sendable {
    private var owners: [String: String?] = [:]
    public private(set) var seriesPerProject: [String: Int] = [:]

    public init() {}

    /// Takes in a new series, in the order series are created.
    public mutating func added(resource: String, project: String?) {
        owners[resource] = .some(project)
        if let project { seriesPerProject[project, default: 0] += 1 }
    }

    /// Refuses a write by `writer` naming a resource that exists under another owner (none, for the host
    /// resources agents report, also counts as another).
    public func check(_ writer: WriterScope, resources: some Sequence<String>) throws(WriteRefusal) {
        for resource in resources {
            guard let owner = owners[resource] else { continue }
            if owner != writer.project { throw .foreignResource(resource) }
        }
    }

    /// Refuses `adding` new series of the writer's project past its bound.
    public func checkQuota(_ writer: WriterScope, adding: Int) throws(WriteRefusal) {
        guard let limit = writer.maxSeries, adding > 0 else { return }
        let held = seriesPerProject[writer.project] ?? 0
        if held + adding > limit { throw .seriesQuota(project: writer.project, held: held, adding: adding, limit: limit) }
    }
}
