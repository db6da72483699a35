import Foundation
import ServiceLifecycleTestKit
import Testing
import VirtmonModel
@testable import VirtmonPublishers

/// A UDP socket on loopback that collects datagrams.
final class UDPReceiver: Sendable {
    let fd: Int32
    let port: Int

    init() {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        self.fd = fd
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        _ = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        self.port = Int(UInt16(bigEndian: address.sin_port))
        // A burst of large datagrams overflows the default 208 KiB receive buffer before the test reads it;
        // as root the limit can be raised past rmem_max.
        var size: Int32 = 16 << 20
        if setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, socklen_t(MemoryLayout<Int32>.size)) != 0 {
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        var timeout = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    /// Waits (up to 2 s) for a datagram on a thread of its own.
    func receive() async -> Data? {
        let fd = self.fd
        return await withCheckedContinuation { continuation in
            Thread { continuation.resume(returning: UDPReceiver.blockingReceive(fd)) }.start()
        }
    }

    static func blockingReceive(_ fd: Int32) -> Data? {
        var buffer = [UInt8](repeating: 0, count: 70_000)
        let count = recv(fd, &buffer, buffer.count, 0)
        return count > 0 ? Data(buffer[..<count]) : nil
    }

    deinit { close(fd) }
}

@Suite(.serialized) struct UDPPublisherTests {
    @Test func datagramsCarrySignedFrames() async throws {
        let receiver = UDPReceiver()
        let publisher = try makeSpoolingPublisher(url: "udp://127.0.0.1:\(receiver.port)",
                                                  dataDir: temporaryDirectory("udp"), batchSize: 1000)
        try await testGracefulShutdown { shutdown in
            let running = Task { try await publisher.run() }
            try await publisher.publish(samples: samples(0..<20), events: [])
            let datagram = try #require(await receiver.receive())
            let frame = try SignedFrame.decode(datagram)
            #expect(BatchSignature(secret: "test-secret").verify(frame.body, signature: frame.signature))
            #expect(try Batch.decode(frame.body).samples.count == 20)
            shutdown.triggerGracefulShutdown()
            try await running.value
        }
    }

    @Test func largeBatchesAreSplitToFitADatagram() async throws {
        let receiver = UDPReceiver()
        let publisher = try makeSpoolingPublisher(url: "udp://127.0.0.1:\(receiver.port)",
                                                  dataDir: temporaryDirectory("udp-split"), batchSize: 5000)
        try await testGracefulShutdown { shutdown in
            let running = Task { try await publisher.run() }
            try await publisher.publish(samples: samples(0..<2000), events: [])
            var received: [Sample] = []
            while received.count < 2000, let datagram = await receiver.receive() {
                #expect(datagram.count <= 65_507)
                received += try Batch.decode(try SignedFrame.decode(datagram).body).samples
            }
            #expect(received.map(\.messageID) == samples(0..<2000).map(\.messageID))
            shutdown.triggerGracefulShutdown()
            try await running.value
        }
    }

    @Test func aClosedPortKeepsTheBatchSpooled() async throws {
        let port = try freePort()
        let transport = UDPTransport(host: "127.0.0.1", port: UInt16(port))
        await #expect(throws: DeliveryError.self) { try await transport.send(body: Data("{}".utf8), signature: nil, timeout: .seconds(1)) }
        await transport.shutdown()
    }
}

@Suite struct FileAndLogPublisherTests {
    @Test func writesOneWireShapedSamplePerLine() async throws {
        let path = temporaryDirectory("file") + "/out/s.jsonl"
        let publisher = try FilePublisher(path: path, maxBytes: 1 << 20, backups: 2)
        try await publisher.publish(samples: samples(0..<3), events: [])
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 3)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(lines[1].utf8)) as? [String: Any])
        #expect(object["counter_name"] as? String == "m" && object["counter_volume"] as? Double == 1)
        #expect(object["message_id"] as? String == "msg-1")
    }

    @Test func rotatesAtTheSizeAndKeepsBackups() async throws {
        let path = temporaryDirectory("rotate") + "/s.jsonl"
        let publisher = try FilePublisher(path: path, maxBytes: 1000, backups: 2)
        for index in 0..<40 { try await publisher.publish(samples: samples(index..<index + 1), events: []) }
        let files = try FileManager.default.contentsOfDirectory(atPath: (path as NSString).deletingLastPathComponent)
        #expect(Set(files) == ["s.jsonl", "s.jsonl.1", "s.jsonl.2"])
        for name in files {
            let size = try #require(try FileManager.default.attributesOfItem(
                atPath: (path as NSString).deletingLastPathComponent + "/" + name)[.size] as? Int)
            #expect(size <= 1000)
        }
        // The newest sample is in the current file, each line whole.
        let current = try String(contentsOfFile: path, encoding: .utf8)
        #expect(current.contains("\"msg-39\""))
        #expect(current.split(separator: "\n").allSatisfy { $0.hasPrefix("{") && $0.hasSuffix("}") })
    }

    @Test func logLinesAreReadable() {
        let sample = Sample(name: "hardware.cpu.util", type: .gauge, unit: "%", volume: 12.3456, resourceID: "node1",
                            timestamp: Date(timeIntervalSince1970: 0))
        #expect(LogPublisher.line(for: sample)
                == "1970-01-01T00:00:00.000000Z hardware.cpu.util node1 = 12.346 % (gauge)")
        var whole = sample
        whole.volume = 4096
        #expect(LogPublisher.line(for: whole).contains("= 4096 %"))
    }

    @Test func urlsAreValidatedWithReasons() throws {
        for good in ["log://", "file:///tmp/x.jsonl", "file:///tmp/x?max_bytes=10&backups=1", "udp://127.0.0.1:4952",
                     "http://127.0.0.1:8777/v1/batches", "https://collector.example:443/v1/batches"] {
            try PublisherFactory.validate(good)
        }
        let cases: [(String, String)] = [
            ("kafka://broker:9092", "unknown scheme 'kafka'"), ("udp://127.0.0.1", "needs a host and a port"),
            ("file://relative/path", "absolute path"), ("file:///tmp/x?rotate=1", "unknown option 'rotate'"),
            ("file:///tmp/x?max_bytes=big", "'max_bytes' must be a whole number"), ("127.0.0.1:8777", "not a URL"),
            ("http:///nohost", "needs a host"),
        ]
        for (url, fragment) in cases {
            do {
                try PublisherFactory.validate(url)
                Issue.record("\(url) was accepted")
            } catch {
                #expect("\(error)".contains(fragment), "\(url): \(error)")
            }
        }
    }

    @Test func retryBacksOffUpToTheMaximum() {
        let policy = RetryPolicy(initial: .seconds(1), maximum: .seconds(30))
        #expect((1...7).map { policy.delay(afterFailures: $0) }
                == [.seconds(1), .seconds(2), .seconds(4), .seconds(8), .seconds(16), .seconds(30), .seconds(30)])
    }
}
