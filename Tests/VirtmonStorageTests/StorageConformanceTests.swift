import Foundation
import Testing
import VirtmonModel
import VirtmonStorage

/// The same cases against every store: the in-memory reference, SQLite and PostgreSQL.
@Suite("Storage conformance")
struct StorageConformanceTests {
    func withStore(_ kind: StoreKind, _ body: (any Storage) async throws -> Void) async throws {
        let (store, cleanup) = try await kind.make()
        do {
            try await body(store)
        } catch {
            await cleanup()
            throw error
        }
        await cleanup()
    }

    func loaded(_ kind: StoreKind, _ body: (any Storage) async throws -> Void) async throws {
        try await withStore(kind) { store in
            try await ConformanceData.load(into: store)
            try await body(store)
        }
    }

    @Test("samples come back newest first, whole, with filters on every field", arguments: StoreKind.available)
    func sampleQueries(kind: StoreKind) async throws {
        try await loaded(kind) { store in
            let all = try await store.samples(SampleQuery())
            #expect(all.count == 40)
            #expect(zip(all, all.dropFirst()).allSatisfy { $0.sample.timestamp >= $1.sample.timestamp })

            let newest = try await store.samples(SampleQuery(filters: [QueryFilter(.resourceID, .eq, .string("vm-a")), QueryFilter(.meter, .eq, .string("cpu_util"))], limit: 1))
            let expected = ConformanceData.samples().first { $0.resourceID == "vm-a" && $0.name == "cpu_util" && $0.volume == 90.5 }!
            #expect(newest.count == 1)
            // Stores identify samples by series and time; everything else comes back as it went in.
            var got = newest.first?.sample
            got?.messageID = expected.messageID
            #expect(got == expected)
            #expect(newest.first?.recordedAt == ConformanceData.minute(21))

            func count(_ filters: QueryFilter...) async throws -> Int {
                try await store.samples(SampleQuery(filters: filters)).count
            }
            #expect(try await count(QueryFilter(.projectID, .eq, .string("p1"))) == 20)
            #expect(try await count(QueryFilter(.projectID, .ne, .string("p1"))) == 10)  // NULL project never matches
            #expect(try await count(QueryFilter(.timestamp, .ge, .date(ConformanceData.minute(5))), QueryFilter(.timestamp, .lt, .date(ConformanceData.minute(7)))) == 8)
            #expect(try await count(QueryFilter(.timestamp, .gt, .date(ConformanceData.minute(9, plus: 123)))) == 1)
            #expect(try await count(QueryFilter(.timestamp, .le, .date(ConformanceData.minute(0, plus: 123)))) == 3)
            #expect(try await count(QueryFilter(.volume, .gt, .number(80))) == 15)  // 2 + 3 cpu_util, 10 memory
            #expect(try await count(QueryFilter(.metadata("flavor.name"), .eq, .string("m1.large"))) == 10)
            #expect(try await count(QueryFilter(.metadata("vcpus"), .ge, .number(3))) == 10)
            #expect(try await count(QueryFilter(.metadata("vcpus"), .eq, .string("2"))) == 20)
            #expect(try await count(QueryFilter(.metadata("ha"), .eq, .bool(true))) == 20)
            #expect(try await count(QueryFilter(.metadata("display_name"), .lt, .string("e"))) == 10)
            #expect(try await count(QueryFilter(.metadata("missing"), .ne, .string("x"))) == 0)
            #expect(try await count(QueryFilter(.source, .eq, .string("virtmon")), QueryFilter(.type, .eq, .string("gauge")), QueryFilter(.unit, .eq, .string("MB"))) == 10)
            #expect(try await count(QueryFilter(.userID, .eq, .string("u2"))) == 10)
            let one = all[7].sample
            let byID = try await store.samples(SampleQuery(filters: [QueryFilter(.messageID, .eq, .string(one.messageID))]))
            #expect(byID.map(\.sample) == [one])
            #expect(Set(all.map(\.sample.messageID)).count == 40, "every stored sample has its own id")
            #expect(try await count(QueryFilter(.messageID, .eq, .string("no-such-id"))) == 0)
        }
    }

    @Test("a repeated (agent, sequence) stores nothing and says duplicate", arguments: StoreKind.available)
    func duplicates(kind: StoreKind) async throws {
        try await loaded(kind) { store in
            let again = try await store.commit(IngestBatch(
                origin: BatchOrigin(agent: "agent-1", host: "h1", sequence: 2), samples: ConformanceData.samples(),
                receivedAt: ConformanceData.minute(30)))
            #expect(again == .duplicate)
            #expect(try await store.samples(SampleQuery()).count == 40)
            let hosts = try await store.hosts()
            #expect(hosts == [HostRecord(host: "h1", agent: "agent-1", lastSeen: ConformanceData.minute(21), batches: 2)])
            // Samples posted through the API have no origin and are never duplicates of each other.
            let posted = Sample(name: "x", type: .gauge, unit: "u", volume: 1, resourceID: "r", timestamp: ConformanceData.minute(1))
            #expect(try await store.commit(IngestBatch(samples: [posted])) == .stored)
            #expect(try await store.commit(IngestBatch(samples: [posted])) == .stored)
            #expect(try await store.samples(SampleQuery(filters: [QueryFilter(.meter, .eq, .string("x"))])).count == 2)
        }
    }

    @Test("meters and resources carry the latest sample's ids and metadata", arguments: StoreKind.available)
    func metersAndResources(kind: StoreKind) async throws {
        try await loaded(kind) { store in
            // A later sample moves vm-b to another project and renames it; an older one changes nothing.
            var moved = ConformanceData.samples()[1]
            moved.timestamp = ConformanceData.minute(15)
            moved.projectID = "p3"
            moved.resourceMetadata["display_name"] = "db-renamed"
            moved.messageID = Sample.newMessageID()
            var older = moved
            older.timestamp = ConformanceData.minute(-5)
            older.projectID = "p9"
            older.messageID = Sample.newMessageID()
            _ = try await store.commit(IngestBatch(samples: [moved]))
            _ = try await store.commit(IngestBatch(samples: [older]))

            let meters = try await store.meters([])
            #expect(meters.map { "\($0.name)@\($0.resourceID)" } == ["cpu_util@vm-a", "cpu_util@vm-b", "hardware.cpu.util@h1", "memory.usage@vm-a"])
            #expect(meters[1].projectID == "p3")
            #expect(try await store.meters([QueryFilter(.projectID, .eq, .string("p1"))]).map(\.name) == ["cpu_util", "memory.usage"])
            #expect(try await store.meters([QueryFilter(.metadata("flavor.name"), .eq, .string("m1.large"))]).map(\.resourceID) == ["vm-b"])
            #expect(try await store.meters([QueryFilter(.meter, .eq, .string("memory.usage"))]).first?.unit == "MB")

            let resources = try await store.resources([])
            #expect(resources.map(\.resourceID) == ["h1", "vm-a", "vm-b"])
            let vmB = resources[2]
            #expect(vmB.projectID == "p3")
            #expect(vmB.metadata["display_name"] == "db-renamed")
            #expect(vmB.firstSample == ConformanceData.minute(-5))
            #expect(vmB.lastSample == ConformanceData.minute(15))
            #expect(resources[1].meters == ["cpu_util", "memory.usage"])
            #expect(resources[1].userID == "u1")
            #expect(resources[0].projectID == nil)

            #expect(try await store.resources([QueryFilter(.projectID, .eq, .string("p1"))]).map(\.resourceID) == ["vm-a"])
            #expect(try await store.resources([QueryFilter(.meter, .eq, .string("memory.usage"))]).map(\.resourceID) == ["vm-a"])
            #expect(try await store.resources([QueryFilter(.timestamp, .gt, .date(ConformanceData.minute(10)))]).map(\.resourceID) == ["vm-b"])
            #expect(try await store.resources([QueryFilter(.timestamp, .lt, .date(ConformanceData.minute(0)))]).map(\.resourceID) == ["vm-b"])
            #expect(try await store.resources([QueryFilter(.metadata("vcpus"), .eq, .number(2))]).map(\.resourceID) == ["vm-a"])
            #expect(try await store.resources([QueryFilter(.resourceID, .eq, .string("nope"))]).isEmpty)
        }
    }

    @Test("statistics per period and group, with every aggregate", arguments: StoreKind.available)
    func statistics(kind: StoreKind) async throws {
        try await loaded(kind) { store in
            let whole = try await store.statistics(StatisticsQuery(meter: "cpu_util"))
            #expect(whole.count == 1)
            let values = ConformanceData.samples().filter { $0.name == "cpu_util" }.map(\.volume)
            #expect(whole[0].count == 20)
            #expect(whole[0].sum == values.reduce(0, +))
            #expect(whole[0].min == values.min())
            #expect(whole[0].max == values.max())
            #expect(whole[0].unit == "%")
            #expect(whole[0].durationStart == ConformanceData.minute(0, plus: 123))
            #expect(whole[0].durationEnd == ConformanceData.minute(9, plus: 456))
            #expect(whole[0].period == 0)
            let mean = values.reduce(0, +) / Double(values.count)
            let stddev = (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count)).squareRoot()
            #expect(abs(whole[0].stddev - stddev) < 1e-9 * max(1, stddev))

            // Five-minute periods from the query's lower bound, grouped by project and a metadata key.
            let query = StatisticsQuery(
                meter: "cpu_util", filters: [QueryFilter(.timestamp, .ge, .date(ConformanceData.minute(0)))], period: 300,
                groupBy: [.projectID, .metadata("flavor.name")],
                aggregates: [Aggregate(.avg), Aggregate(.cardinality, parameter: .resourceID)])
            let rows = try await store.statistics(query)
            #expect(rows.count == 4)
            #expect(rows.map { $0.groupBy["project_id"] ?? nil } == ["p1", "p1", "p2", "p2"])
            #expect(rows.map { $0.groupBy["resource_metadata.flavor.name"] ?? nil } == ["m1.small", "m1.small", "m1.large", "m1.large"])
            #expect(rows.map(\.periodStart) == [ConformanceData.minute(0), ConformanceData.minute(5), ConformanceData.minute(0), ConformanceData.minute(5)])
            #expect(rows.allSatisfy { $0.periodEnd == $0.periodStart.addingTimeInterval(300) && $0.count == 5 && $0.period == 300 })
            #expect(rows[0].sum == 0.5 + 10.5 + 20.5 + 30.5 + 40.5)
            #expect(rows[0].durationStart == ConformanceData.minute(0, plus: 123))
            #expect(rows[0].durationEnd == ConformanceData.minute(4, plus: 123))
            #expect(rows[3].min == 37 && rows[3].max == 65)
            #expect(rows.allSatisfy { $0.cardinality["resource_id"] == 1 })

            let byHost = try await store.statistics(StatisticsQuery(
                meter: "cpu_util", groupBy: [.metadata("vcpus")], aggregates: [Aggregate(.cardinality, parameter: .projectID)]))
            #expect(byHost.map { $0.groupBy["resource_metadata.vcpus"] ?? nil } == ["2", "4"])
            let unfiltered = try await store.statistics(StatisticsQuery(meter: "hardware.cpu.util", groupBy: [.projectID], aggregates: [Aggregate(.cardinality, parameter: .projectID)]))
            #expect(unfiltered.count == 1)
            #expect(unfiltered[0].groupBy["project_id"] == .some(nil))
            #expect(unfiltered[0].cardinality["project_id"] == 0)
            #expect(try await store.statistics(StatisticsQuery(meter: "no.such.meter")).isEmpty)
        }
    }

    @Test("random samples: every store's statistics equal the reference's", arguments: StoreKind.available)
    func randomStatistics(kind: StoreKind) async throws {
        var generator = SeededGenerator(seed: 20261121)
        var samples: [Sample] = []
        for index in 0..<600 {
            let resource = "vm-\(Int.random(in: 0..<7, using: &generator))"
            samples.append(Sample(
                name: index % 5 == 0 ? "memory.usage" : "cpu_util", type: .gauge, unit: "%",
                volume: (Double.random(in: -50...5000, using: &generator) * 1000).rounded() / 1000,
                userID: "u\(Int.random(in: 0..<2, using: &generator))", projectID: "p\(resource.last!.wholeNumberValue! % 3)",
                resourceID: resource,
                timestamp: ConformanceData.t0.addingTimeInterval(Double(Int.random(in: 0..<(6 * 3600 * 1000), using: &generator)) / 1000),
                resourceMetadata: ["rack": .string("r\(Int.random(in: 0..<3, using: &generator))")]))
        }
        let reference = MemoryStorage()
        _ = try await reference.commit(IngestBatch(samples: samples))
        try await withStore(kind) { store in
            for chunk in stride(from: 0, to: samples.count, by: 100) {
                _ = try await store.commit(IngestBatch(samples: Array(samples[chunk..<min(chunk + 100, samples.count)])))
            }
            let queries = [
                StatisticsQuery(meter: "cpu_util", period: 600, groupBy: [.resourceID]),
                StatisticsQuery(meter: "cpu_util", period: 3600, groupBy: [.projectID, .metadata("rack")], aggregates: [Aggregate(.cardinality, parameter: .userID)]),
                StatisticsQuery(meter: "memory.usage", filters: [QueryFilter(.timestamp, .ge, .date(ConformanceData.t0.addingTimeInterval(1800))), QueryFilter(.timestamp, .lt, .date(ConformanceData.t0.addingTimeInterval(14400)))], period: 900),
                StatisticsQuery(meter: "cpu_util", filters: [QueryFilter(.projectID, .eq, .string("p1"))], groupBy: [.userID]),
            ]
            for query in queries {
                let expected = try await reference.statistics(query)
                let actual = try await store.statistics(query)
                #expect(actual.count == expected.count, "\(query)")
                for (got, want) in zip(actual, expected) {
                    #expect(got.groupBy == want.groupBy)
                    #expect(got.periodStart == want.periodStart && got.periodEnd == want.periodEnd)
                    #expect(got.count == want.count && got.min == want.min && got.max == want.max)
                    #expect(abs(got.sum - want.sum) <= 1e-9 * max(1, abs(want.sum)))
                    #expect(abs(got.avg - want.avg) <= 1e-9 * max(1, abs(want.avg)))
                    #expect(abs(got.stddev - want.stddev) <= 1e-6 * max(1, want.stddev))
                    #expect(got.durationStart == want.durationStart && got.durationEnd == want.durationEnd)
                    #expect(got.cardinality == want.cardinality)
                }
            }
        }
    }

    @Test("events are stored once, filtered, newest first", arguments: StoreKind.available)
    func events(kind: StoreKind) async throws {
        try await loaded(kind) { store in
            _ = try await store.commit(IngestBatch(samples: [], events: ConformanceData.events()))
            #expect(try await store.events(EventQuery()).map(\.id) == ["e3", "e2", "e1"])
            #expect(try await store.events(EventQuery(type: "liveness")).map(\.id) == ["e3", "e2"])
            #expect(try await store.events(EventQuery(level: .fatal)).map(\.id) == ["e2"])
            #expect(try await store.events(EventQuery(host: "h1", since: ConformanceData.minute(1), until: ConformanceData.minute(2))).map(\.id) == ["e1"])
            #expect(try await store.events(EventQuery(limit: 1)).map(\.id) == ["e3"])
            #expect(try await store.events(EventQuery(resource: "4242")).first?.details == ["pid": 4242])
        }
    }

    @Test("retention deletes samples and events before the cutoff", arguments: StoreKind.available)
    func retention(kind: StoreKind) async throws {
        try await loaded(kind) { store in
            let deleted = try await store.deleteSamples(before: ConformanceData.minute(5))
            #expect(deleted == 20)
            #expect(try await store.samples(SampleQuery()).count == 20)
            #expect(try await store.events(EventQuery()).isEmpty)
            #expect(try await store.statistics(StatisticsQuery(meter: "cpu_util")).first?.count == 10)
        }
    }

    @Test("queries that cannot be answered say why", arguments: StoreKind.available)
    func badQueries(kind: StoreKind) async throws {
        try await loaded(kind) { store in
            await #expect(throws: QueryError.self) {
                try await store.samples(SampleQuery(filters: [QueryFilter(.timestamp, .ge, .string("yesterday"))]))
            }
            await #expect(throws: QueryError.self) {
                try await store.meters([QueryFilter(.timestamp, .ge, .date(.now))])
            }
            await #expect(throws: QueryError.self) {
                try await store.statistics(StatisticsQuery(meter: "cpu_util", period: -5))
            }
            #expect(throws: QueryError.self) { try QueryField(parsing: "metadata.x'); DROP TABLE samples; --") }
            #expect(throws: QueryError.self) { try GroupField(parsing: "timestamp") }
            #expect(throws: QueryError.self) { try Aggregate(parsing: "cardinality", parameter: nil) }
            #expect(throws: QueryError.self) { try Aggregate(parsing: "median", parameter: nil) }
        }
    }
}

/// A reproducible random stream (SplitMix64), so a failing case can be rerun.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1330_11EB
        return z ^ (z >> 31)
    }
}
