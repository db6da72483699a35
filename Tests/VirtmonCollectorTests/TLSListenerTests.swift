import Foundation
import Logging
import Testing
import VirtmonCLI
import VirtmonModel
import VirtmonNetwork
import VirtmonPublishers
import VirtmonServer
import VirtmonStorage

/// The collector's HTTPS listener with a certificate from a throwaway CA, an agent's https:// publishing that
/// trusts only that CA, and the CLI through VIRTMON_TLS_CA; every wrong setup refused in words.
@Suite("TLS on the collector's listener", .serialized)
struct TLSListenerTests {
    @Test("batches posted over HTTPS to a CA-verified collector are stored; other CAs, plain HTTP and mismatched names are refused")
    func httpsIngest() async throws {
        let ca = try await ThrowawayCA(name: "main")
        let other = try await ThrowawayCA(name: "other", names: "DNS:elsewhere.example")
        defer { ca.discard(); other.discard() }
        let harness = try await CollectorHarness { config in
            config.tlsCertificate = ca.serverCertificate
            config.tlsKey = ca.serverKey
        }
        defer { Task { await harness.stop() } }
        let url = "https://127.0.0.1:\(harness.httpPort)/api/v1/batches"

        let trusted = try HTTPTransport(url: url, tlsCA: ca.caCertificate)
        for seq in 1...5 {
            let (body, signature) = TestBatches.signed(TestBatches.make(seq: UInt64(seq)))
            try await trusted.send(body: body, signature: signature, timeout: .seconds(10))
        }
        let stored = try await harness.runtime.storage.samples(SampleQuery(limit: 1000))
        #expect(stored.count == 15, "stored \(stored.count) of 15 samples sent over HTTPS")

        // An authority the server's certificate does not chain to: refused before anything is sent.
        let untrusted = try HTTPTransport(url: url, tlsCA: other.caCertificate)
        let (body, signature) = TestBatches.signed(TestBatches.make(seq: 6))
        let refusal = await Self.failure { try await untrusted.send(body: body, signature: signature, timeout: .seconds(10)) }
        #expect(refusal.contains("is not trusted") && refusal.contains("tls_ca"), "untrusted CA: \(refusal)")
        // A trusted certificate that names another host.
        let elsewhere = try await CollectorHarness { config in
            config.tlsCertificate = other.serverCertificate
            config.tlsKey = other.serverKey
        }
        defer { Task { await elsewhere.stop() } }
        let misnamed = try HTTPTransport(url: "https://127.0.0.1:\(elsewhere.httpPort)/api/v1/batches", tlsCA: other.caCertificate)
        let wrongName = await Self.failure { try await misnamed.send(body: body, signature: signature, timeout: .seconds(10)) }
        #expect(wrongName.contains("does not name that host"), "wrong name: \(wrongName)")
        // Plain HTTP to the HTTPS port gets no answer it could take for success.
        let plain = HTTPTransport(url: "http://127.0.0.1:\(harness.httpPort)/api/v1/batches")
        let plainFailure = await Self.failure { try await plain.send(body: body, signature: signature, timeout: .seconds(10)) }
        #expect(!plainFailure.isEmpty, "plain HTTP to the HTTPS listener succeeded")
        print("refusals over TLS:\n  untrusted CA: \(refusal)\n  wrong name: \(wrongName)\n  plain HTTP: \(plainFailure)")
        let after = try await harness.runtime.storage.samples(SampleQuery(limit: 1000))
        #expect(after.count == 15, "a refused connection stored something: \(after.count)")

        // The CLI's client with VIRTMON_TLS_CA reads what was stored.
        let client = APIClient(endpoint: "https://localhost:\(harness.httpPort)", token: CollectorHarness.adminToken, dataDir: harness.directory.path,
                               environment: ["VIRTMON_TLS_CA": ca.caCertificate])
        let meters = try await client.get("/v2/meters")
        #expect("\(meters)".contains("test.meter"), "meters over HTTPS: \(meters)")
        let blind = APIClient(endpoint: "https://localhost:\(harness.httpPort)", token: CollectorHarness.adminToken, dataDir: harness.directory.path,
                              environment: [:])
        let blindFailure = await Self.failure { _ = try await blind.get("/v2/meters") }
        #expect(blindFailure.contains("is not trusted"), "CLI without the CA: \(blindFailure)")
        // A CA file that is not there is the setting's fault, said as such, not "cannot reach the collector".
        let misconfigured = APIClient(endpoint: "https://localhost:\(harness.httpPort)", token: CollectorHarness.adminToken, dataDir: harness.directory.path,
                                      environment: ["VIRTMON_TLS_CA": "/nonexistent/ca.pem"])
        let settingFailure = await Self.failure { _ = try await misconfigured.get("/v2/meters") }
        #expect(settingFailure.contains("VIRTMON_TLS_CA /nonexistent/ca.pem does not exist") && !settingFailure.contains("cannot reach"),
                "CLI with a missing CA file: \(settingFailure)")
    }

    @Test("an agent's https:// publisher built from publishing.tls_ca delivers through its spool; a missing CA file refuses the publisher")
    func agentPublisher() async throws {
        let ca = try await ThrowawayCA(name: "agent")
        defer { ca.discard() }
        let harness = try await CollectorHarness { config in
            config.tlsCertificate = ca.serverCertificate
            config.tlsKey = ca.serverKey
        }
        defer { Task { await harness.stop() } }
        let dataDir = FileManager.default.temporaryDirectory.appendingPathComponent("virtmon-agent-tls-\(UUID().uuidString.prefix(8))").path
        defer { try? FileManager.default.removeItem(atPath: dataDir) }
        func factory(ca file: String) throws -> PublisherFactory {
            var settings = PublisherSettings(dataDir: dataDir, secret: CollectorHarness.secret, batchSize: 10)
            settings.tlsCA = file
            return PublisherFactory(settings: settings, identity: try AgentIdentity.load(dataDir: dataDir, host: "node1"),
                                    sequence: try SequenceAllocator(dataDir: dataDir), logger: Logger(label: "test"))
        }
        let url = "https://localhost:\(harness.httpPort)/api/v1/batches"
        let publisher = try #require(try factory(ca: ca.caCertificate).make(url) as? SpoolingPublisher)
        let samples = TestBatches.make(seq: 1, samples: 25).samples
        try await publisher.publish(samples: samples, events: [])
        // One flush may end at its own timeout with batches still spooled when the machine is loaded; the
        // promise under test is delivery through the spool, so flush until it is empty (a minute at most).
        let deadline = ContinuousClock.now + .seconds(60)
        while await publisher.spooledBatches > 0, ContinuousClock.now < deadline {
            await publisher.flush()
        }
        #expect(await publisher.spooledBatches == 0, "batches still spooled after a minute of flushing")
        let stored = try await harness.runtime.storage.samples(SampleQuery(limit: 1000))
        #expect(stored.count == 25, "stored \(stored.count) of 25 through the agent's https:// publisher")
        do {
            _ = try factory(ca: "/nonexistent/ca.pem").make(url)
            Issue.record("a publisher was made with a CA file that does not exist")
        } catch {
            #expect("\(error)".contains("publishing.tls_ca /nonexistent/ca.pem does not exist"), "\(error)")
        }
    }

    @Test("a missing certificate, a key of another certificate and a certificate without its key stop the collector at start, naming the file")
    func badFiles() async throws {
        let ca = try await ThrowawayCA(name: "files")
        let other = try await ThrowawayCA(name: "files-other")
        defer { ca.discard(); other.discard() }
        func start(_ certificate: String?, _ key: String?) async -> String {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("virtmon-tls-\(UUID().uuidString.prefix(8))").path
            defer { try? FileManager.default.removeItem(atPath: directory) }
            var config = CollectorConfig(dataDir: directory)
            config.listen = .init(host: "127.0.0.1", port: 0)
            config.udp = nil
            config.tlsCertificate = certificate
            config.tlsKey = key
            do {
                let runtime = try await CollectorRuntime.build(config: config, logger: .init(label: "test"))
                await runtime.close()
                return ""
            } catch {
                return "\(error)"
            }
        }
        let missing = await start("/nonexistent/server.pem", ca.serverKey)
        #expect(missing.contains("/nonexistent/server.pem does not exist"), "missing certificate: \(missing)")
        let mismatched = await start(ca.serverCertificate, other.serverKey)
        #expect(mismatched.contains(other.serverKey) && mismatched.contains("does not go with the certificate"), "mismatched key: \(mismatched)")
        let notPEM = await start(ca.serverCertificate, ca.directory + "/ext.cnf")
        #expect(notPEM.contains("is not a PEM private key"), "not a key: \(notPEM)")
        let alone = await start(ca.serverCertificate, nil)
        #expect(alone.contains("go together"), "certificate without key: \(alone)")
        print("start-up refusals:\n  \(missing)\n  \(mismatched)\n  \(notPEM)\n  \(alone)")
    }

    /// What an operation's failure says, or "" when it did not fail.
    static func failure(_ operation: () async throws -> Void) async -> String {
        do {
            try await operation()
            return ""
        } catch let error as DeliveryError {
            return "\(error)"
        } catch {
            return "\(error)"
        }
    }
}
