import ArgumentParser
import Foundation
import Logging
import VirtmonServer
import VirtmonStorage

struct StorageCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "storage", abstract: "Inspect or compact a store directly (stop the collector first).",
        subcommands: [Stats.self, Compact.self])

    struct Target: ParsableArguments {
        @Option(name: .long, help: "sqlite:///PATH or postgres://USER[:PASSWORD]@HOST[:PORT]/DB.")
        var storage: String
        @Flag(name: .long, help: "Print JSON.")
        var json = false
    }

    struct Stats: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Series, chunks, rollups and bytes per sample.")
        @OptionGroup var target: Target

        func run() async throws {
            let store = try await StorageCommand.open(target.storage)
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
            let store = try await StorageCommand.open(target.storage)
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
            StorageCommand.print(stats, json: target.json)
        }
    }

    static func open(_ url: String) async throws -> ChunkStore {
        do {
            // Opened as the engine itself: casting the `any Storage` that openStorage returns with `as?` gave a
            // reference that crashed on first use when built with Swift 6.3.
            return try await CollectorRuntime.openChunkStore(url, logger: Logger(label: "virtmon.storage"))
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
