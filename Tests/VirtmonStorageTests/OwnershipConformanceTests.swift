import Foundation
import Testing
import VirtmonModel
import VirtmonStorage

/// Scoped writes and project-confined listings, the same on every store, across a reopen where the store
/// persists.
@Suite("Resource ownership conformance")
struct OwnershipConformanceTests {
    static func sample(_ resource: String, _ meter: String, project: String?, at minute: Int, volume: Double = 1) -> Sample {
        Sample(name: meter, type: .gauge, unit: "u", volume: volume, projectID: project, resourceID: resource,
               timestamp: Date(timeIntervalSince1970: 1_790_000_000 + Double(minute) * 60))
    }

    @Test("a scoped write to another project's resource or past the series bound stores nothing", arguments: StoreKind.available)
    func scopedWrites(kind: StoreKind) async throws {
        let (store, cleanup) = try await kind.make()
        defer { Task { await cleanup() } }
        let p1 = WriterScope(project: "p1", maxSeries: 3)
        _ = try await store.commit(IngestBatch(samples: [Self.sample("vm-2", "private", project: "p2", at: 0)], writer: WriterScope(project: "p2")))
        _ = try await store.commit(IngestBatch(samples: [Self.sample("host-a", "load", project: nil, at: 0)]))
        _ = try await store.commit(IngestBatch(samples: [Self.sample("vm-1", "cpu", project: "p1", at: 1)], writer: p1))

        for resource in ["vm-2", "host-a"] {
            await #expect(throws: WriteRefusal.foreignResource(resource)) {
                _ = try await store.commit(IngestBatch(samples: [Self.sample("vm-new", "cpu", project: "p1", at: 2), Self.sample(resource, "cpu", project: "p1", at: 2)], writer: p1))
            }
        }
        #expect(try await store.resources([QueryFilter(.resourceID, .eq, .string("vm-new"))]).isEmpty, "a refused batch stored nothing")
        _ = try await store.commit(IngestBatch(samples: [Self.sample("vm-1", "mem", project: "p1", at: 2), Self.sample("vm-3", "cpu", project: "p1", at: 2)], writer: p1))
        await #expect(throws: WriteRefusal.seriesQuota(project: "p1", held: 3, adding: 1, limit: 3)) {
            _ = try await store.commit(IngestBatch(samples: [Self.sample("vm-4", "cpu", project: "p1", at: 3)], writer: p1))
        }
        // More samples of existing series are fine at the bound.
        _ = try await store.commit(IngestBatch(samples: [Self.sample("vm-3", "cpu", project: "p1", at: 4)], writer: p1))
    }

    @Test("a project's listing is built from its own samples; an operator's write moves a resource", arguments: StoreKind.available)
    func confinedListings(kind: StoreKind) async throws {
        let (store, cleanup) = try await kind.make()
        defer { Task { await cleanup() } }
        _ = try await store.commit(IngestBatch(samples: [Self.sample("vm-x", "private", project: "p2", at: 0)]))
        // The operator moves vm-x to p1 by writing it under p1.
        _ = try await store.commit(IngestBatch(samples: [Self.sample("vm-x", "cpu", project: "p1", at: 5)]))
        let p1 = try await store.resources([QueryFilter(.projectID, .eq, .string("p1"))])
        #expect(p1.map(\.resourceID) == ["vm-x"])
        #expect(p1.first?.meters == ["cpu"], "p1 does not see p2's meter names")
        #expect(p1.first?.firstSample == Date(timeIntervalSince1970: 1_790_000_300), "nor p2's first sample")
        let p2 = try await store.resources([QueryFilter(.projectID, .eq, .string("p2"))])
        #expect(p2.first?.meters == ["private"] && p2.first?.lastSample == Date(timeIntervalSince1970: 1_790_000_000))
        #expect(try await store.meters([QueryFilter(.projectID, .eq, .string("p1"))]).map(\.name) == ["cpu"])
        // Now p1 owns it, p2 does not.
        _ = try await store.commit(IngestBatch(samples: [Self.sample("vm-x", "cpu", project: "p1", at: 6)], writer: WriterScope(project: "p1")))
        await #expect(throws: WriteRefusal.foreignResource("vm-x")) {
            _ = try await store.commit(IngestBatch(samples: [Self.sample("vm-x", "cpu", project: "p2", at: 7)], writer: WriterScope(project: "p2")))
        }
    }

    @Test("series that retention empties are forgotten, and their resources' owners with them", arguments: StoreKind.available)
    func retentionForgets(kind: StoreKind) async throws {
        let (store, cleanup) = try await kind.make()
        defer { Task { await cleanup() } }
        _ = try await store.commit(IngestBatch(samples: [Self.sample("vm-old", "cpu", project: "p2", at: 0)], writer: WriterScope(project: "p2", maxSeries: 1)))
        _ = try await store.commit(IngestBatch(samples: [Self.sample("vm-kept", "cpu", project: "p1", at: 20)]))
        await #expect(throws: WriteRefusal.self) {
            _ = try await store.commit(IngestBatch(samples: [Self.sample("vm-old", "cpu", project: "p1", at: 21)], writer: WriterScope(project: "p1")))
        }
        let deleted = try await store.deleteSamples(before: Date(timeIntervalSince1970: 1_790_000_000 + 600))
        #expect(deleted == 1)
        if let engine = store as? ChunkStore {
            #expect(try await engine.stats().series == 1, "the emptied series is gone from the store")
        }
        // p2's bound counts only what it still holds, and vm-old is free to be written again.
        _ = try await store.commit(IngestBatch(samples: [Self.sample("vm-p2", "cpu", project: "p2", at: 22)], writer: WriterScope(project: "p2", maxSeries: 1)))
        _ = try await store.commit(IngestBatch(samples: [Self.sample("vm-old", "cpu", project: "p1", at: 23)], writer: WriterScope(project: "p1")))
        #expect(try await store.resources([QueryFilter(.projectID, .eq, .string("p1"))]).map(\.resourceID) == ["vm-kept", "vm-old"])
    }
}
