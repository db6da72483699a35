import CoreMetrics
import Prometheus
import Synchronization

/// virtmon's own figures, through one mechanism: code records them with swift-metrics (`Counter`, `Timer`,
/// `Gauge`, `Recorder`), a `PrometheusCollectorRegistry` (swift-prometheus) holds them, and `/metrics`
/// serves `exposition()`. A collector makes one of these and hands its `factory` to what it measures, so
/// that two collectors in one process (the tests) count apart; the process's own (`process`) takes what
/// library code records without a factory (the agent's pollsters, monitors and spools), once `bootstrap()`
/// has run.
public final class SelfMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    public let factory: DescribedMetricsFactory
    private let scraped = Mutex<[String: Int]>([:])

    public init() {
        registry = PrometheusCollectorRegistry()
        factory = DescribedMetricsFactory(registry: registry)
    }

    /// The process-wide figures, which `MetricsSystem.bootstrap` points swift-metrics at.
    public static let process = SelfMetrics()

    private static let bootstrapped = Mutex(false)

    /// Points swift-metrics' global factory at `process` (once per process; later calls do nothing).
    public static func bootstrap() {
        let first = bootstrapped.withLock { done -> Bool in
            defer { done = true }
            return !done
        }
        if first { MetricsSystem.bootstrap(process.factory) }
    }

    /// The Prometheus text exposition (version 0.0.4) of every figure.
    public func exposition() -> String { registry.emitToString() }

    /// A counter whose total someone else keeps (the kernel's drop count, a ledger): it goes up by what the
    /// total grew since the last call, so the exposition stays a counter.
    public func setTotal(_ label: String, dimensions: [(String, String)] = [], to total: Int) {
        let key = label + dimensions.map { "|\($0.0)=\($0.1)" }.joined()
        let grown = scraped.withLock { seen -> Int in
            let before = seen[key] ?? 0
            seen[key] = max(before, total)
            return max(0, total - before)
        }
        let counter = Counter(label: label, dimensions: dimensions, factory: factory)
        if grown > 0 { counter.increment(by: grown) }
    }

    /// Sets a gauge to `value`.
    public func set(_ label: String, dimensions: [(String, String)] = [], to value: Double) {
        Gauge(label: label, dimensions: dimensions, factory: factory).record(value)
    }
}
