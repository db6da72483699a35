import Logging

/// The composition root's one-time logging set-up: human-readable lines on standard error at `level`.
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
    }()
}
