import Logging
import VirtmonTelemetry

/// The composition root's one-time set-up: human-readable log lines on standard error at `level`, and
/// swift-metrics pointed at the process's `SelfMetrics` (what the agent's pollsters, monitors and spools
/// record goes there; the collector's `/metrics` under `virtmon up` shows it).
public enum LoggingBootstrap {
    /// Bootstraps swift-log once per process; later calls only return a logger.
    public static func logger(label: String, level: String) -> Logger {
        LoggingBootstrap.once
        var logger = Logger(label: label)
        logger.logLevel = Logger.Level(rawValue: level) ?? .info
        return logger
    }

    private static let once: Void = {
        LoggingSystem.bootstrap { label in StreamLogHandler.standardError(label: label) }
        SelfMetrics.bootstrap()
    }()
}
