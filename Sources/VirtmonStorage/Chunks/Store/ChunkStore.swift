import Foundation
import VirtmonModel

/// The storage engine: samples grouped into series, appended to in-memory heads made durable by one
/// write-ahead record per batch, sealed into compressed chunks with rollups, compacted into larger chunks.
/// Persistence is a `ChunkBackend` (SQLite or PostgreSQL); this actor owns the series registry, the heads
/// and the order of writes.
///
/// Stored samples are identified by series and time: a sample's message_id reads `<series>-<microseconds>`
/// (with `-N` for the N-th repeat of a time), stable for the sample's life; the agent's own message ids are
/// not kept. recorded_at is when the sample arrived while it is in a head, and when the newest sample of
/// its chunk arrived once sealed.
public actor ChunkStore: Storage {
    struct HeadEntry: Sendable {
        var time: Int64
        var value: Double
        var receivedAt: Int64
    }

    struct SeriesState: Sendable {
        var key: SeriesKey
        var first = Int64.max
        var last = Int64.min
        var head = HeadBuffer()
        /// The newest write-ahead record whose samples of this series are in the head.
        var headWALThrough: Int64 = 0
        /// The oldest record holding a sample of the head (0 while the head is empty): records below the
        /// smallest of these over all series hold nothing unsealed and are dropped without rewriting anything.
        var headWALFrom: Int64 = 0
        /// Samples of this series in records up to here are sealed.
        var sealedWALThrough: Int64 = 0
        var hasData: Bool { first <= last }
    }

    let backend: any ChunkBackend
    let options: ChunkStoreOptions
    var series: [Int64: SeriesState] = [:]
    var ids: [SeriesKey: Int64] = [:]
    /// Meters and resources, rebuilt from the series when a query needs them after writes: keeping it
    /// current per sample cost more than the rest of a commit.
    var index = LatestIndex()
    var indexIsCurrent = false
    /// Each project's own view of meters and resources, built from its series only, so that a project never
    /// sees another's samples in a resource's times, meters or metadata. Dropped with `index`.
    var projectIndexes: [String: LatestIndex] = [:]
    /// Resource owners and series per project, for scoped writes.
    var ledger = OwnershipLedger()
    /// Series ids by meter: every statistics query names one.
    var seriesByMeter: [String: [Int64]] = [:]
    /// Each series' metadata as the registry holds it (see `commit`).
    var canonicalMetadata: [Int64: [String: JSONValue]] = [:]
    var nextSeriesID: Int64 = 1
    var nextChunkID: Int64 = 1
    var nextRollupID: Int64 = 1
    var nextWALID: Int64 = 1
    /// Readers count chunks and rollups up to these ids (see `ChunkBackend`).
    var visibleChunks: Int64 = 0
    var visibleRollups: Int64 = 0
    /// The write-ahead records the backend holds, oldest first, with their sizes: a checkpoint picks how many
    /// of the oldest to drop from these.
    var walRecords: [(id: Int64, bytes: Int)] = []
    var walBytes: Int { walRecords.reduce(0) { $0 + $1.bytes } }
    var rawHorizon: Int64?
    /// Purged at the next maintenance: rows superseded up to these ids.
    var purgeBounds: (chunks: Int64, rollups: Int64)?
    /// A write failed without saying whether it landed (PostgreSQL gone during COMMIT, a statement deadline
    /// passed after the server had committed): the next writer reloads from the backend before writing, or its
    /// ids would collide with what did land and the samples that landed would be missing from the heads.
    var mustReload = false
    /// Write-ahead records the last start-up (or reload) could not replay, each with why: they were skipped so
    /// that everything else stays readable, and are said by whoever opened the store.
    public private(set) var damagedRecords: [DamagedRecord] = []
    /// On a database other collectors write too: how far this engine has taken in their writes and its own.
    var fleet: FleetPosition?
    private var writing = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    /// Opens the store: loads series, replays the write-ahead records and moves samples of the earlier row
    /// schema into chunks.
    public init(backend: any ChunkBackend, options: ChunkStoreOptions = ChunkStoreOptions()) async throws {
        try options.validate()
        self.backend = backend
        self.options = options
        let state = try await backend.load()
        try restore(state)
        if state.hasLegacy { try await inFleet { try await moveLegacySamples() } }
    }

    func restore(_ state: ChunkBackendState) throws {
        series = [:]
        ids = [:]
        projectIndexes = [:]
        ledger = OwnershipLedger()
        seriesByMeter = [:]
        canonicalMetadata = [:]
        nextSeriesID = 1
        nextWALID = 1
        walRecords = []
        purgeBounds = nil
        rawHorizon = state.rawHorizon
        for record in state.series.sorted(by: { $0.id < $1.id }) {
            var entry = SeriesState(key: record.key)
            if let span = state.spans[record.id] {
                entry.first = span.first
                entry.last = span.last
                entry.sealedWALThrough = span.walThrough
                // A checkpoint can leave no record behind: new records must still number above every
                // record a chunk covers, or the next replay would take them as sealed and skip them.
                nextWALID = max(nextWALID, span.walThrough + 1)
            }
            series[record.id] = entry
            register(record)
            nextSeriesID = max(nextSeriesID, record.id + 1)
        }
        publish(chunksBefore: state.maxChunkID + 1, rollupsBefore: state.maxRollupID + 1)
        damagedRecords = []
        replay(state.wal)
        fleet = state.fleet
        rebuildIndex()
    }

    /// Takes write-ahead records (oldest first) into the heads: a record's samples of a series go to its head
    /// unless the series sealed past the record, or retention passed the sample's time.
    func replay(_ records: [(id: Int64, bytes: [UInt8])]) {
        for (id, bytes) in records {
            nextWALID = max(nextWALID, id + 1)
            walRecords.append((id, bytes.count))
            let record: WALRecord
            do {
                record = try WALRecord(decoding: bytes)
            } catch {
                // One damaged record must not keep the collector from starting or hide the rest of the data.
                // Its samples are lost unless their series sealed past it; the record stays in the database
                // (for inspection) until a checkpoint drops it.
                damagedRecords.append(DamagedRecord(kind: "write-ahead record", id: id, bytes: bytes.count, reason: error.description))
                continue
            }
            // A checkpoint record holds whole heads: the first entry of each series in it replaces that head.
            var replaced: Set<Int64> = []
            for entry in record.entries {
                // In place: a copy of the state would share its head, and every append would copy it whole.
                guard let sealedThrough = series[entry.series]?.sealedWALThrough, sealedThrough < id else { continue }
                if record.replacesHeads, replaced.insert(entry.series).inserted {
                    series[entry.series]!.head = HeadBuffer()
                }
                if let horizon = rawHorizon, entry.time < horizon { continue }
                if series[entry.series]!.head.isEmpty { series[entry.series]!.headWALFrom = id }
                series[entry.series]!.head.append(HeadEntry(time: entry.time, value: entry.value, receivedAt: entry.receivedAt))
                series[entry.series]!.headWALThrough = id
                series[entry.series]!.first = min(series[entry.series]!.first, entry.time)
                series[entry.series]!.last = max(series[entry.series]!.last, entry.time)
            }
        }
    }

    /// How many samples seal the head of series `id`. With `firstSealSpread` set, a series' first head is cut
    /// short by an amount its id fixes, so that series born together do not all fill their heads in the same
    /// commit ever after (a soak of 500,000 series sealed every head within 10 s every 20 min). Later heads
    /// hold `chunkSamples`, keeping the spread phases and full-sized chunks.
    func sealThreshold(_ id: Int64) -> Int {
        let spread = options.sealSpread
        guard spread > 0, (series[id]?.sealedWALThrough ?? 0) == 0 else { return options.chunkSamples }
        return options.chunkSamples - Int(id.magnitude % UInt64(spread))
    }

    /// Takes in series a transaction has just stored.
    func adopt(_ records: [SeriesRecord], next: Int64) {
        nextSeriesID = next
        for record in records {
            series[record.id] = SeriesState(key: record.key)
            register(record)
        }
    }

    /// Makes chunks and rollups written below these ids the next ones to hand out and visible to readers.
    func publish(chunksBefore chunkID: Int64, rollupsBefore rollupID: Int64) {
        nextChunkID = chunkID
        nextRollupID = rollupID
        visibleChunks = chunkID - 1
        visibleRollups = rollupID - 1
    }

    func register(_ record: SeriesRecord) {
        ids[record.key] = record.id
        canonicalMetadata[record.id] = record.key.metadata
        seriesByMeter[record.key.meter, default: []].append(record.id)
        ledger.added(resource: record.key.resourceID, project: record.key.projectID)
    }

    /// Meters and resources come from the series' first and last times: the latest series of a resource
    /// supplies its ids and metadata (on equal times the newer series).
    func rebuildIndex() {
        indexIsCurrent = true
        projectIndexes = [:]
        index = buildIndex { _ in true }
    }

    /// An index over the series with data whose description passes `include`, folded in series order.
    func buildIndex(_ include: (SeriesKey) -> Bool) -> LatestIndex {
        var built = LatestIndex()
        for (_, state) in series.sorted(by: { $0.key < $1.key }) where state.hasData && include(state.key) {
            built.add(state.key.sample(volume: 0, at: state.first, messageID: ""))
            built.add(state.key.sample(volume: 0, at: state.last, messageID: ""))
        }
        return built
    }

    // MARK: one writer at a time

    func lock() async {
        if writing {
            await withCheckedContinuation { waiters.append($0) }
        } else {
            writing = true
        }
    }

    /// Every writer calls this holding the lock: after a failed write, the engine's state is taken again from
    /// what the backend holds, exactly as at start-up. While the backend stays away this throws and the write
    /// fails as the one before it did.
    func resynchronize() async throws {
        guard mustReload else { return }
        try restore(try await backend.load())
        mustReload = false
    }

    /// `backend.apply` from this engine's fleet position, remembering a failure (see `mustReload`). A write
    /// refused as stale changed nothing: `inFleet` takes in what the others wrote and computes it again.
    func applying(_ write: ChunkWrite) async throws -> CommitResult {
        var write = write
        write.fleet = fleet
        let result: CommitResult
        do {
            result = try await backend.apply(write)
        } catch let stale as FleetStale {
            throw stale
        } catch {
            mustReload = true
            throw error
        }
        // A repeat moved the position too: the position's update is the transaction's first statement.
        if var position = fleet {
            position.generation += 1
            if !write.followable { position.epoch += 1 }
            fleet = position
        }
        return result
    }

    func unlock() {
        if waiters.isEmpty {
            writing = false
        } else {
            waiters.removeFirst().resume()
        }
    }

    // MARK: writing

    public func commit(_ batch: IngestBatch) async throws -> CommitResult {
        await lock()
        defer { unlock() }
        try await resynchronize()
        return try await inFleet { try await commitOnce(batch) }
    }

    /// One try at `commit`, computed from the state as it is; nothing changes in memory unless the write landed.
    func commitOnce(_ batch: IngestBatch) async throws -> CommitResult {
        let received = microseconds(batch.receivedAt)
        var write = ChunkWrite(origin: batch.origin, receivedAt: received)
        write.events = batch.events
        var entries: [WALRecord.Entry] = []
        entries.reserveCapacity(batch.samples.count)
        var assigner = SeriesAssigner(next: nextSeriesID)
        var previous: (metadata: [String: JSONValue], canonical: [String: JSONValue])?
        for sample in batch.samples {
            var key = SeriesKey(sample)
            // Samples of one resource share metadata; the registry's copy makes the lookup's comparison instant.
            if let previous, previous.metadata == sample.resourceMetadata { key.metadata = previous.canonical }
            let id = assigner.id(for: key, known: ids)
            let time = microseconds(sample.timestamp)
            entries.append(WALRecord.Entry(series: id, time: time, value: sample.volume, receivedAt: received))
            previous = (sample.resourceMetadata, canonicalMetadata[id] ?? key.metadata)
        }
        write.newSeries = assigner.created
        if let writer = batch.writer {
            try ledger.check(writer, resources: Set(batch.samples.lazy.map(\.resourceID)))
            try ledger.checkQuota(writer, adding: assigner.created.count)
        }
        let walID = nextWALID
        if !entries.isEmpty {
            write.wal = (walID, WALRecord(entries: entries).encoded())
        }
        // Heads that this batch fills are sealed in the same transaction.
        var added: [Int64: [HeadEntry]] = [:]
        for entry in entries {
            added[entry.series, default: []].append(HeadEntry(time: entry.time, value: entry.value, receivedAt: entry.receivedAt))
        }
        var chunkID = nextChunkID
        var rollupID = nextRollupID
        var sealed: Set<Int64> = []
        for (id, more) in added where (series[id]?.head.count ?? 0) + more.count >= sealThreshold(id) {
            let head = (series[id]?.head.entries ?? []) + more
            let (chunk, rollups) = seal(series: id, head, walThrough: walID, chunkID: &chunkID, rollupID: &rollupID)
            write.chunks.append(chunk)
            write.rollups.append(contentsOf: rollups)
            sealed.insert(id)
        }
        let result = try await applying(write)
        guard result == .stored else { return result }

        adopt(write.newSeries, next: assigner.next)
        if let wal = write.wal {
            nextWALID = walID + 1
            walRecords.append((walID, wal.bytes.count))
        }
        for (id, more) in added {
            // In place: a copy of the state would make its head shared and every append copy it whole.
            var first = Int64.max, last = Int64.min
            for entry in more {
                first = min(first, entry.time)
                last = max(last, entry.time)
            }
            series[id]!.first = min(series[id]!.first, first)
            series[id]!.last = max(series[id]!.last, last)
            if sealed.contains(id) {
                series[id]!.head = HeadBuffer()
                series[id]!.headWALFrom = 0
                series[id]!.sealedWALThrough = walID
            } else {
                if series[id]!.head.isEmpty { series[id]!.headWALFrom = walID }
                series[id]!.head.append(contentsOf: more)
                series[id]!.headWALThrough = walID
            }
        }
        publish(chunksBefore: chunkID, rollupsBefore: rollupID)
        indexIsCurrent = false
        return .stored
    }

    /// Encodes a head (any order) as one chunk and its rollups.
    func seal(series id: Int64, _ head: [HeadEntry], walThrough: Int64, chunkID: inout Int64, rollupID: inout Int64) -> (StoredChunk, [StoredRollup]) {
        let ordered = head.enumerated().sorted { ($0.element.time, $0.offset) < ($1.element.time, $1.offset) }.map(\.element)
        let times = ordered.map(\.time)
        let values = ordered.map(\.value)
        let chunk = StoredChunk(
            id: chunkID, series: id, summary: ChunkSummary(timestamps: times, values: values),
            receivedAt: ordered.map(\.receivedAt).max()!, walThrough: walThrough,
            data: ChunkCodec.encode(timestamps: times, values: values))
        chunkID += 1
        var rollups: [StoredRollup] = []
        for level in options.rollups {
            let resolution = level.resolution * 1_000_000
            let buckets = RollupBucket.buckets(timestamps: times, values: values, resolution: resolution)
            rollups.append(StoredRollup(
                id: rollupID, series: id, resolution: resolution, firstBucket: buckets.first!.start,
                lastBucket: buckets.last!.start, chunk: chunk.id, data: RollupCodec.encode(buckets)))
            rollupID += 1
        }
        return (chunk, rollups)
    }

    public func events(_ query: EventQuery) async throws -> [Event] { try await backend.events(query) }
    public func hosts() async throws -> [HostRecord] { try await backend.hosts() }
    public func close() async { await backend.close() }

    /// Space and counts, heads included.
    public func stats() async throws -> StorageStats {
        var stats = try await backend.stats()
        stats.headSamples = series.values.reduce(0) { $0 + $1.head.count }
        return stats
    }

}
