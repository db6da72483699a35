import Foundation
import ServiceLifecycle
import VirtmonModel

/// Prints one readable line per sample and event on standard output, for a person watching the agent.
///
/// `2026-11-21T13:45:00.000000Z hardware.cpu.util host1 = 12.5 % (gauge)`
public actor LogPublisher: Publisher {
    public nonisolated let target = "log://"
    private let write: @Sendable (String) -> Void

    /// - Parameter write: where lines go; standard output unless a test gives another.
    public init(write: @escaping @Sendable (String) -> Void = { FileHandle.standardOutput.write(Data($0.utf8)) }) {
        self.write = write
    }

    /// The line for one sample.
    public static func line(for sample: Sample) -> String {
        let volume = sample.volume.exactInteger.map(String.init) ?? String(format: "%.3f", sample.volume)
        return "\(WireTimestamp.format(sample.timestamp)) \(sample.name) \(sample.resourceID) = \(volume) "
            + "\(sample.unit) (\(sample.type.rawValue))"
    }

    /// The line for one event.
    public static func line(for event: Event) -> String {
        "\(WireTimestamp.format(event.time)) EVENT \(event.level.rawValue.uppercased()) \(event.type) "
            + "\(event.resource): \(event.message)"
    }

    public func publish(samples: [Sample], events: [Event]) async throws {
        var text = ""
        for sample in samples { text += LogPublisher.line(for: sample) + "\n" }
        for event in events { text += LogPublisher.line(for: event) + "\n" }
        if !text.isEmpty { write(text) }
    }

    public func run() async throws {
        try? await gracefulShutdown()
    }
}
