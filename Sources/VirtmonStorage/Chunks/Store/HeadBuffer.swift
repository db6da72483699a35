/// One series' open head: the samples not yet sealed into a chunk, in arrival order, compressed as they
/// arrive — per sample the time and the arrival time as delta-of-delta and the value XOR'd against the one
/// before, in one bit stream. A head held 24 bytes per sample plus the array's growth; 500,000 series at
/// ten-second samples kept 1.4 GiB of them twenty minutes into a soak. Regular series take a few bytes
/// here. Reading decodes the whole head; heads are at most `chunkSamples` long.
struct HeadBuffer: Sequence, Sendable {
    private var stream = BitWriter(capacity: 0)
    private var times = DeltaOfDeltaEncoder()
    private var arrivals = DeltaOfDeltaEncoder()
    private var values = XORFloatEncoder()
    private(set) var count = 0
    /// Earliest and latest sample time, and the latest arrival: what sealing and spans ask of every head.
    private(set) var earliest = Int64.max
    private(set) var latest = Int64.min
    private(set) var lastArrival = Int64.min

    init() {}

    init(_ entries: some Sequence<ChunkStore.HeadEntry>) {
        append(contentsOf: entries)
    }

    var isEmpty: Bool { count == 0 }
    /// Memory the samples take (the stream's bytes).
    var byteCount: Int { stream.byteCount }

    mutating func append(_ entry: ChunkStore.HeadEntry) {
        times.put(entry.time, into: &stream)
        arrivals.put(entry.receivedAt, into: &stream)
        values.put(entry.value, into: &stream)
        count += 1
        earliest = Swift.min(earliest, entry.time)
        latest = Swift.max(latest, entry.time)
        lastArrival = Swift.max(lastArrival, entry.receivedAt)
    }

    mutating func append(contentsOf entries: some Sequence<ChunkStore.HeadEntry>) {
        for entry in entries { append(entry) }
    }

    /// Drops the samples `remove` picks, keeping the others in order.
    mutating func removeAll(where remove: (ChunkStore.HeadEntry) -> Bool) {
        let kept = entries.filter { !remove($0) }
        guard kept.count != count else { return }
        self = HeadBuffer(kept)
    }

    /// The samples, in arrival order.
    var entries: [ChunkStore.HeadEntry] {
        guard count > 0 else { return [] }
        var reader = BitReader(stream.snapshot)
        var times = DeltaOfDeltaDecoder()
        var arrivals = DeltaOfDeltaDecoder()
        var values = XORFloatDecoder()
        var result: [ChunkStore.HeadEntry] = []
        result.reserveCapacity(count)
        do {
            for index in 0..<count {
                let time = try times.next(&reader)
                let arrival = try arrivals.next(&reader)
                let value = try values.next(&reader, index: index)
                result.append(ChunkStore.HeadEntry(time: time, value: value, receivedAt: arrival))
            }
        } catch {
            // The stream is written and read only here, in memory: failing to read it back is a bug.
            preconditionFailure("a head does not decode what it encoded: \(error)")
        }
        return result
    }

    func makeIterator() -> IndexingIterator<[ChunkStore.HeadEntry]> { entries.makeIterator() }
}
