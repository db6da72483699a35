import Foundation
import VirtmonModel

/// Every stored row virtmon reads, described once for both backends: the columns a statement selects (in
/// `ChunkSQL` and `SQLStatements`, one text per dialect) and how a row of them becomes a value. A backend
/// runs the statement and hands each row here; it decodes nothing itself.
public enum RowShapes {
    /// `ChunkSQL.selectSeries(_:)`.
    public static func series(_ row: some StorageRow) throws -> SeriesRecord {
        SeriesRecord(id: try row.int64(0), key: ChunkSQL.seriesKey(
            meter: try row.text(1), type: try row.text(2), unit: try row.text(3), resourceID: try row.text(4),
            projectID: try row.optionalText(5), userID: try row.optionalText(6), source: try row.text(7),
            metadata: try row.optionalText(8)))
    }

    /// `ChunkSQL.selectWAL`.
    public static func wal(_ row: some StorageRow) throws -> (id: Int64, bytes: [UInt8]) {
        (try row.int64(0), try row.blob(1))
    }

    /// `ChunkSQL.selectSpans`.
    public static func span(_ row: some StorageRow) throws -> (series: Int64, first: Int64, last: Int64, walThrough: Int64) {
        (try row.int64(0), try row.int64(1), try row.int64(2), try row.int64(3))
    }

    /// `ChunkSQL.chunkColumns`.
    public static func chunk(_ row: some StorageRow) throws -> StoredChunk {
        StoredChunk(
            id: try row.int64(0), series: try row.int64(1),
            summary: ChunkSummary(
                count: Int(try row.int64(4)), firstTime: try row.int64(2), lastTime: try row.int64(3), min: try row.double(5),
                max: try row.double(6), sum: try row.double(7), m2: try row.double(8), firstValue: try row.double(9),
                lastValue: try row.double(10)),
            receivedAt: try row.int64(11), walThrough: try row.int64(12), data: try row.blob(13))
    }

    /// `ChunkSQL.rollupColumns`.
    public static func rollup(_ row: some StorageRow) throws -> StoredRollup {
        StoredRollup(
            id: try row.int64(0), series: try row.int64(1), resolution: try row.int64(2), firstBucket: try row.int64(3),
            lastBucket: try row.int64(4), chunk: try row.int64(5), data: try row.blob(6))
    }

    /// `ChunkSQL.selectCatalog(_:)`.
    public static func chunkInfo(_ row: some StorageRow) throws -> ChunkInfo {
        ChunkInfo(id: try row.int64(0), series: try row.int64(1), count: Int(try row.int64(2)), firstTime: try row.int64(3),
                  lastTime: try row.int64(4))
    }

    /// `ChunkSQL.selectStats(_:)`: the figures the tables give (sizes on disk come from each database).
    public static func stats(_ row: some StorageRow) throws -> StorageStats {
        var stats = StorageStats()
        stats.series = Int(try row.int64(0))
        stats.chunks = Int(try row.int64(1))
        stats.chunkSamples = Int(try row.int64(2))
        stats.chunkBytes = Int(try row.int64(3))
        stats.rollups = Int(try row.int64(4))
        stats.rollupBytes = Int(try row.int64(5))
        stats.walBytes = Int(try row.int64(6))
        return stats
    }

    /// `ChunkSQL.selectLegacy(_:)`: a sample of the earlier one-row-per-sample schema and its row id.
    public static func legacySample(_ row: some StorageRow) throws -> (id: Int64, stored: StoredSample) {
        let sample = Sample(
            name: try row.text(1), type: SampleType(rawValue: try row.text(2)) ?? .gauge, unit: try row.text(3),
            volume: try row.double(4), userID: try row.optionalText(5), projectID: try row.optionalText(6),
            resourceID: try row.text(7), timestamp: dateFromMicroseconds(try row.int64(8)),
            resourceMetadata: MetadataCoding.decode(try row.optionalText(10)), source: try row.text(11),
            messageID: try row.text(12))
        return (try row.int64(0), StoredSample(sample: sample, recordedAt: dateFromMicroseconds(try row.int64(9))))
    }

    /// `ChunkSQL.selectEvents(_:_:)`.
    public static func event(_ row: some StorageRow) throws -> Event {
        Event(
            id: try row.text(0), time: dateFromMicroseconds(try row.int64(1)), type: try row.text(2),
            level: EventLevel(rawValue: try row.text(3)) ?? .info, host: try row.text(4), resource: try row.text(5),
            message: try row.text(6), details: MetadataCoding.decode(try row.optionalText(7)))
    }

    /// `ChunkSQL.selectHosts(_:)`.
    public static func host(_ row: some StorageRow) throws -> HostRecord {
        HostRecord(host: try row.text(0), agent: try row.text(1), lastSeen: dateFromMicroseconds(try row.int64(2)),
                   batches: Int(try row.int64(3)))
    }
}
