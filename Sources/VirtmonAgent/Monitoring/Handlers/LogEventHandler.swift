import Logging
import VirtmonModel

/// Writes events to the agent's log at a matching level (fatal as critical).
public struct LogEventHandler: EventHandler {
    public let name = "log"
    private let logger: Logger

    public init(logger: Logger) {
        self.logger = logger
    }

    public func handle(_ event: Event) async {
        let level: Logger.Level
        switch event.level {
        case .info: level = .info
        case .error: level = .error
        case .fatal: level = .critical
        }
        var metadata: Logger.Metadata = ["event": "\(event.type)", "resource": "\(event.resource)", "id": "\(event.id)"]
        for (key, value) in event.details { metadata[key] = "\(value.stringValue ?? "\(value)")" }
        logger.log(level: level, "\(event.message)", metadata: metadata)
    }
}
