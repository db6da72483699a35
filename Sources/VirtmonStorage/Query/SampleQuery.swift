/// Which samples to return: every filter must hold; newest first, at most `limit`.
public struct SampleQuery: Sendable, Hashable {
    public var filters: [QueryFilter]
    public var limit: Int?

    public init(filters: [QueryFilter] = [], limit: Int? = nil) {
        self.filters = filters
        self.limit = limit
    }
}
