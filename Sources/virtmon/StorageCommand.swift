import ArgumentParser
import Foundation
import Logging
import VirtmonServer
import VirtmonStorage

struct StorageCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "storage", abstract: "Inspect or compact a store directly (refused while a collector holds its data dir).",
        subcommands: [Stats.self, Compact.self])

    struct Target: ParsableArguments {
        @Option(name: .long, help: "sqlite:///PATH or postgres://USER[:PASSWORD]@HOST[:PORT]/DB. Default: the data dir's SQLite store.")
        var storage: String?
        @Option(name: .long, help: "Data directory whose store to open (env VIRTMON_DATA_DIR; default as for the collector).")
        var dataDir: String?
        @Flag(name: .long, help: "Print JSON.")
        var json = false

        /// The store URL in effect.
        var url: String {
            storage ?? CollectorConfig(dataDir: dataDir ?? ProcessInfo.processInfo.environment["VIRTMON_DATA_DIR"] ?? AgentConfig.defaultDataDir()).storageURL
        }
    }

    struct Stats: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Series, chunks, rollups and bytes per sample.")
        @OptionGroup var target: Target

        func run() async throws {
            let (store, lock) = try await StorageCommand.open(target.url)
            defer { withExtendedLifetime(lock) {} }
            let stats = try await store.stats()
            await store.close()
            StorageCommand.print(stats, json: target.json)
        }
    }

    struct Compact: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Seal every head, checkpoint and compact until nothing is left to merge, then print the stats.")
        @OptionGroup var target: Target

        func run() async throws {
            // Compacting rewrites chunks: not while a collector writes the same PostgreSQL database.
            let release: (@Sendable () async -> Void)?
            do {
                release = try await CollectorRuntime.claimDatabase(target.url, purpose: "virtmon storage compact",
                                                                   logger: Logger(label: "virtmon.storage"), timeout: .seconds(2))
            } catch {
                FileHandle.standardError.write(Data("virtmon: \(error)\n".utf8))
                throw ExitCode(2)
            }
            let (store, lock) = try await StorageCommand.open(target.url)
            defer { withExtendedLifetime(lock) {} }
            var report = try await store.maintain(at: Date(), sealAll: true)
            var passes = 1
            // Each pass merges one size class further; a last one purges what the one before replaced.
            while report.compactedChunks > 0 && passes < 20 {
                report = try await store.maintain(at: Date(), sealAll: true)
                passes += 1
            }
            _ = try await store.maintain(at: Date(), sealAll: true)
            let stats = try await store.stats()
            await store.close()
            await release?()
            StorageCommand.print(stats, json: target.json)
        }
    }

    /// Opens an existing store; a SQLite store only while no collector holds its directory (the lock is held
    /// until the command ends). A path that does not exist is refused rather than created empty.
    static func open(_ url: String) async throws -> (ChunkStore, DataDirLock?) {
        var lock: DataDirLock?
        if url.hasPrefix("sqlite://") {
            let path = String(url.dropFirst("sqlite://".count))
            guard FileManager.default.fileExists(atPath: path) else {
                FileHandle.standardError.write(Data("virtmon: no store at \(path): give the collector's --storage URL or its --data-dir\n".utf8))
                throw ExitCode(2)
            }
            do {
                lock = try DataDirLock.acquire((path as NSString).deletingLastPathComponent, role: .collector, purpose: "virtmon storage")
            } catch {
                FileHandle.standardError.write(Data("virtmon: \(error)\n".utf8))
                throw ExitCode(2)
            }
        }
        do {
            // Opened as the engine itself: casting the `any Storage` that openStorage returns with `as?` gave a
            // reference that crashed on first use when built with Swift 6.3.
            return (try await CollectorRuntime.openChunkStore(url, logger: Logger(label: "virtmon.storage")), lock)
        } catch {
            FileHandle.standardError.write(Data("virtmon: cannot open \(StorageURL.redacted(url)): \(error)\n".utf8))
            throw ExitCode(2)
        }
    }

    static func print(_ stats: StorageStats, json: Bool) {
        let perSample = { (bytes: Int) in stats.chunkSamples == 0 ? 0 : Double(bytes) / Double(stats.chunkSamples) }
        if json {
            Swift.print("""
                {"series":\(stats.series),"chunks":\(stats.chunks),"chunk_samples":\(stats.chunkSamples),"chunk_bytes":\(stats.chunkBytes),\
                "rollups":\(stats.rollups),"rollup_bytes":\(stats.rollupBytes),"wal_bytes":\(stats.walBytes),\
                "head_samples":\(stats.headSamples),"database_bytes":\(stats.databaseBytes)}
                """)
            return
        }
        Swift.print("series           \(stats.series)")
        Swift.print("chunks           \(stats.chunks) holding \(stats.chunkSamples) samples, \(stats.chunkBytes) B (\(String(format: "%.3f", perSample(stats.chunkBytes))) B/sample)")
        Swift.print("rollups          \(stats.rollups) runs, \(stats.rollupBytes) B (\(String(format: "%.3f", perSample(stats.rollupBytes))) B/sample)")
        Swift.print("heads            \(stats.headSamples) samples, write-ahead records \(stats.walBytes) B")
        Swift.print("database         \(stats.databaseBytes) B (\(String(format: "%.3f", perSample(stats.databaseBytes))) B/sealed sample)")
    }
}
