import Foundation
import Logging
import VirtmonModel
@testable import VirtmonPublishers

func temporaryDirectory(_ tag: String) -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("virtmon-\(tag)-\(UUID())").path
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

func samples(_ range: Range<Int>, name: String = "m") -> [Sample] {
    range.map { index in
        Sample(name: name, type: .gauge, unit: "x", volume: Double(index), resourceID: "r",
               timestamp: Date(timeIntervalSince1970: 1_700_000_000 + Double(index)),
               messageID: "msg-\(index)")
    }
}

/// A port nothing listens on: bound once to learn a free number, then released.
func freePort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    _ = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    return Int(UInt16(bigEndian: address.sin_port))
}

func makeSpoolingPublisher(
    url: String, dataDir: String, secret: String = "test-secret", batchSize: Int = 10, maxBytes: Int = 1 << 30,
    maxBatches: Int = 100_000
) throws -> SpoolingPublisher {
    let settings = PublisherSettings(
        dataDir: dataDir, secret: secret, batchSize: batchSize, spoolMaxBytes: maxBytes, spoolMaxBatches: maxBatches,
        retry: RetryPolicy(initial: .milliseconds(50), maximum: .milliseconds(200)), flushTimeout: .seconds(2),
        httpTimeout: .seconds(2))
    let factory = PublisherFactory(
        settings: settings, identity: try AgentIdentity.load(dataDir: dataDir, host: "node1"),
        sequence: try SequenceAllocator(dataDir: dataDir), logger: Logger(label: "test"))
    return try require(try factory.make(url) as? SpoolingPublisher)
}

struct Missing: Error {}
func require<T>(_ value: T?) throws -> T {
    guard let value else { throw Missing() }
    return value
}
