import Foundation
import Logging
import Testing
import VirtmonModel
@testable import VirtmonPipeline

func counter(_ volume: Double, at seconds: Double, name: String = "cpu", type: SampleType = .cumulative,
             resource: String = "vm-1", metadata: [String: JSONValue] = [:], monotonic: Bool = true) -> Sample {
    Sample(name: name, type: type, unit: "ns", volume: volume, resourceID: resource,
           timestamp: Date(timeIntervalSince1970: 1_700_000_000 + seconds), resourceMetadata: metadata,
           monotonicTime: monotonic ? seconds : nil)
}

@Suite struct RateOfChangeTests {
    /// REFERENCE §2: cpu_util = Δcpu_ns / (Δt_s · 1e9 · vCPUs) · 100, at most 100.
    var cpuUtil: RateOfChange {
        RateOfChange(target: TransformTarget(
            name: "cpu_util", unit: "%", type: .gauge,
            scale: .expression(try! ScaleExpression("100.0 / (10**9 * (resource_metadata.cpu_number or 1))")),
            maximum: 100))
    }

    @Test func cpuUtilFollowsTheReferenceFormula() throws {
        var rate = cpuUtil
        let meta: [String: JSONValue] = ["cpu_number": 4]
        #expect(try rate.transform(counter(1_000_000_000_000, at: 0, metadata: meta)).isEmpty, "first is dropped")
        // 2 vCPUs' worth of time over 10 s on a 4-vCPU domain: 50 %.
        let out = try rate.transform(counter(1_000_000_000_000 + 20_000_000_000, at: 10, metadata: meta))
        #expect(out.count == 1)
        #expect(out[0].name == "cpu_util" && out[0].unit == "%" && out[0].type == .gauge)
        #expect(abs(out[0].volume - 50) < 1e-9)
        #expect(out[0].resourceID == "vm-1")
    }

    @Test func cpuUtilIsCappedAtOneHundredAndDefaultsToOneVCPU() throws {
        var rate = cpuUtil
        _ = try rate.transform(counter(0, at: 0))
        // 15 s of CPU in 10 s with no cpu_number: 150 % before the cap.
        #expect(try rate.transform(counter(15e9, at: 10))[0].volume == 100)
    }

    @Test func outOfOrderAndRepeatedSamplesAreDropped() throws {
        var rate = RateOfChange(target: TransformTarget(name: "{name}.rate", unit: "{unit}/s"))
        _ = try rate.transform(counter(100, at: 10))
        #expect(try rate.transform(counter(50, at: 5)).isEmpty, "older than the last")
        #expect(try rate.transform(counter(200, at: 10)).isEmpty, "no time passed")
        let out = try rate.transform(counter(300, at: 20))
        #expect(out[0].volume == 20, "computed against the sample at t=10, not the dropped ones")
        #expect(out[0].name == "cpu.rate" && out[0].unit == "ns/s")
    }

    @Test func aCumulativeCounterThatGoesDownWasReset() throws {
        var rate = RateOfChange(target: TransformTarget(name: "r", unit: "B/s"))
        _ = try rate.transform(counter(1000, at: 0))
        #expect(try rate.transform(counter(3000, at: 10))[0].volume == 200)
        // Reset: the new value is the change since the restart.
        #expect(try rate.transform(counter(500, at: 20))[0].volume == 50)
        #expect(try rate.transform(counter(1500, at: 30))[0].volume == 100)
    }

    @Test func aGaugeThatGoesDownGivesANegativeRate() throws {
        var rate = RateOfChange(target: TransformTarget(name: "r", unit: "x/s"))
        _ = try rate.transform(counter(1000, at: 0, type: .gauge))
        #expect(try rate.transform(counter(500, at: 10, type: .gauge))[0].volume == -50)
    }

    @Test func seriesAreKeptApartByResource() throws {
        var rate = RateOfChange(target: TransformTarget(name: "r", unit: "x/s"))
        _ = try rate.transform(counter(0, at: 0, resource: "a"))
        #expect(try rate.transform(counter(100, at: 10, resource: "b")).isEmpty)
        #expect(try rate.transform(counter(100, at: 10, resource: "a"))[0].volume == 10)
        #expect(rate.trackedSeries == 2)
    }

    @Test("the host's clock stepped back an hour and then forward two: every cpu_util is still 50 %, none dropped")
    func wallClockJumpsDoNotMoveRates() throws {
        var rate = cpuUtil
        let meta: [String: JSONValue] = ["cpu_number": 4]
        // Monotonic time advances 10 s a cycle while the timestamps (the wall clock) jump.
        let wall: [Double] = [0, 10, 20 - 3600, 30 - 3600, 40 + 3600, 50 + 3600]
        var outputs: [Sample] = []
        for (cycle, offset) in wall.enumerated() {
            var sample = counter(Double(cycle) * 20_000_000_000, at: Double(cycle) * 10, metadata: meta)
            sample.timestamp = Date(timeIntervalSince1970: 1_700_000_000 + offset)
            outputs += try rate.transform(sample)
        }
        #expect(outputs.count == 5, "a rate for every cycle after the first")
        #expect(outputs.allSatisfy { abs($0.volume - 50) < 1e-9 }, "\(outputs.map(\.volume))")
        #expect(outputs.map(\.timestamp.timeIntervalSince1970) == wall.dropFirst().map { 1_700_000_000 + $0 },
                "each sample keeps the time the host's clock gave it")
    }

    @Test func wallClockIsUsedWithoutMonotonicTime() throws {
        var rate = RateOfChange(target: TransformTarget(name: "r", unit: "x/s"))
        _ = try rate.transform(counter(0, at: 0, monotonic: false))
        #expect(try rate.transform(counter(100, at: 4, monotonic: false))[0].volume == 25)
    }

    @Test func aScaleThatCannotBeEvaluatedThrows() throws {
        var rate = RateOfChange(target: TransformTarget(
            name: "r", unit: "%", scale: .expression(try ScaleExpression("100 / resource_metadata.cpu_number"))))
        _ = try rate.transform(counter(0, at: 0))
        #expect(throws: TransformError.self) { try rate.transform(counter(100, at: 10)) }
    }
}

@Suite struct DeltaAndUnitTests {
    @Test func deltaOfACounterWithAReset() throws {
        var delta = Delta(target: TransformTarget(name: "{name}.delta", unit: "{unit}", type: .delta))
        #expect(try delta.transform(counter(100, at: 0)).isEmpty)
        let out = try delta.transform(counter(150, at: 10))
        #expect(out[0].volume == 50 && out[0].type == .delta && out[0].name == "cpu.delta")
        #expect(try delta.transform(counter(20, at: 20))[0].volume == 20)
        #expect(try delta.transform(counter(20, at: 15)).isEmpty, "out of order")
    }

    @Test func growthOnlyDropsNegativeGaugeChanges() throws {
        var delta = Delta(target: TransformTarget(name: "d", unit: "x", type: .delta), growthOnly: true)
        _ = try delta.transform(counter(100, at: 0, type: .gauge))
        #expect(try delta.transform(counter(90, at: 10, type: .gauge)).isEmpty)
        #expect(try delta.transform(counter(95, at: 20, type: .gauge))[0].volume == 5)
    }

    @Test func unitConversionWithAnExpressionAndAFactor() throws {
        var toMB = UnitConversion(target: TransformTarget(
            name: "{name}", unit: "MB", scale: .expression(try ScaleExpression("volume / 1024"))))
        let out = try toMB.transform(counter(2048, at: 0, name: "hardware.memory.total", type: .gauge))
        #expect(out[0].volume == 2 && out[0].unit == "MB" && out[0].name == "hardware.memory.total")
        var toBits = UnitConversion(target: TransformTarget(name: "{name}.bits", unit: "bit", scale: .factor(8)))
        #expect(try toBits.transform(counter(3, at: 0))[0].volume == 24)
    }
}

@Suite struct ScaleExpressionTests {
    func value(_ text: String, volume: Double = 10, metadata: [String: JSONValue] = [:]) throws -> Double {
        try ScaleExpression(text).evaluate(counter(volume, at: 0, metadata: metadata))
    }

    @Test func arithmeticFollowsPythonPrecedence() throws {
        #expect(try value("1 + 2 * 3") == 7)
        #expect(try value("(1 + 2) * 3") == 9)
        #expect(try value("2 ** 3 ** 2") == 512)
        #expect(try value("-2 ** 2") == -4)
        #expect(try value("10**9") == 1e9)
        #expect(try value("volume * 8 / 2") == 40)
        #expect(try value("7 % 4") == 3)
        #expect(try value("1.5e3") == 1500)
    }

    @Test func metadataAndOr() throws {
        #expect(try value("resource_metadata.cpu_number or 1") == 1)
        #expect(try value("resource_metadata.cpu_number or 1", metadata: ["cpu_number": 8]) == 8)
        #expect(try value("resource_metadata.cpu_number or 1", metadata: ["cpu_number": "2"]) == 2)
        #expect(try value("resource_metadata.flavor.vcpus", metadata: ["flavor": .object(["vcpus": 3])]) == 3)
    }

    @Test func badExpressionsAreRefusedWithWhere() {
        for (text, fragment) in [("1 +", "ends"), ("volume * (2", "missing ')'"), ("foo * 2", "unknown name 'foo'"),
                                 ("2 $ 3", "unexpected"), ("resource_metadata.", "needs a key")] {
            do {
                _ = try ScaleExpression(text)
                Issue.record("'\(text)' parsed")
            } catch {
                #expect(error.message.contains(fragment), "\(text): \(error.message)")
            }
        }
        #expect(throws: ScaleExpression.Error.self) { try value("1 / 0") }
    }
}

@Suite struct PipelineTests {
    @Test func stagesChainAndKeepInputsWhenAsked() async throws {
        let pipeline = Pipeline(stages: [
            TransformStage(selector: try MeterSelector(["net.bytes"]),
                           transformer: RateOfChange(target: TransformTarget(name: "{name}.rate", unit: "B/s"))),
            TransformStage(selector: try MeterSelector(["net.bytes.rate"]),
                           transformer: UnitConversion(target: TransformTarget(
                               name: "net.kbit.rate", unit: "kbit/s", scale: .factor(8.0 / 1000))),
                           keepInput: false),
        ], logger: Logger(label: "test"))
        let first = await pipeline.process([counter(0, at: 0, name: "net.bytes"), counter(1, at: 0, name: "other")])
        #expect(first.map(\.name) == ["net.bytes", "other"])
        let second = await pipeline.process([counter(10_000, at: 10, name: "net.bytes")])
        #expect(second.map(\.name) == ["net.bytes", "net.kbit.rate"])
        #expect(second[1].volume == 8)
    }

    @Test func nonFiniteSamplesAreDroppedAndCounted() async {
        let pipeline = Pipeline(stages: [], logger: Logger(label: "test"))
        let out = await pipeline.process([counter(.nan, at: 0), counter(.infinity, at: 0), counter(1, at: 0)])
        #expect(out.count == 1)
        #expect(await pipeline.droppedCount == 2)
    }

    @Test func oneOwnerKeepsSeriesStateUnderConcurrentCallers() async throws {
        let pipeline = Pipeline(stages: [
            TransformStage(selector: .all,
                           transformer: Delta(target: TransformTarget(name: "d", unit: "x", type: .delta)),
                           keepInput: false)
        ], logger: Logger(label: "test"))
        _ = await pipeline.process([counter(0, at: 0)])
        // 100 concurrent callers each submit a later counter value; whatever the order the actor runs them in,
        // the deltas that are not dropped as out-of-order add up to at most the final value.
        let outputs = await withTaskGroup(of: [Sample].self) { group in
            for step in 1...100 {
                group.addTask { await pipeline.process([counter(Double(step * 10), at: Double(step))]) }
            }
            var all: [Sample] = []
            for await out in group { all += out }
            return all
        }
        #expect(outputs.reduce(0) { $0 + $1.volume } <= 1000)
        #expect(outputs.allSatisfy { $0.volume > 0 })
    }
}

@Suite struct NameTemplateTests {
    @Test func placeholdersAreFilledAndOtherBracesKept() {
        #expect(NameTemplate("{name}.rate").render(name: "cpu", unit: "ns") == "cpu.rate")
        #expect(NameTemplate("{unit}/s").render(name: "cpu", unit: "B") == "B/s")
        #expect(NameTemplate("cpu_util").render(name: "cpu", unit: "ns") == "cpu_util")
        #expect(NameTemplate("{name}{unit}").render(name: "a", unit: "b") == "ab")
        #expect(NameTemplate("x{other}y{name}").render(name: "n", unit: "u") == "x{other}yn")
        #expect(NameTemplate("{").render(name: "n", unit: "u") == "{")
        #expect(NameTemplate("").render(name: "n", unit: "u") == "")
    }
}
