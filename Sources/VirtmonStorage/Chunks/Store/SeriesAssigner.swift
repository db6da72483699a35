/// Gives the series of a batch their ids: the registry's for known ones, new ones in order for the rest,
/// each new key once however often the batch repeats it.
struct SeriesAssigner {
    private(set) var next: Int64
    private(set) var created: [SeriesRecord] = []
    private var pending: [SeriesKey: Int64] = [:]

    init(next: Int64) {
        self.next = next
    }

    mutating func id(for key: SeriesKey, known: [SeriesKey: Int64]) -> Int64 {
        if let id = known[key] ?? pending[key] { return id }
        let id = next
        next += 1
        pending[key] = id
        created.append(SeriesRecord(id: id, key: key))
        return id
    }
}
