import Foundation
import VirtmonTestSupport

/// A certificate authority made with Debian's openssl for one test, and a server certificate it signed (for
/// 127.0.0.1 and localhost unless told otherwise). Nothing is committed: keys are made fresh in a temporary directory.
struct ThrowawayCA {
    let directory: String
    var caCertificate: String { directory + "/ca.pem" }
    var serverCertificate: String { directory + "/server.pem" }
    var serverKey: String { directory + "/server.key" }

    /// - Parameter names: the server certificate's subjectAltName.
    init(name: String, names: String = "DNS:localhost,IP:127.0.0.1") async throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("virtmon-ca-\(name)-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try await openssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "\(directory)/ca.key", "-out", caCertificate,
                           "-days", "2", "-subj", "/CN=virtmon test CA \(name)"])
        try await openssl(["req", "-newkey", "rsa:2048", "-nodes", "-keyout", serverKey, "-out", "\(directory)/server.csr", "-subj", "/CN=localhost"])
        try "subjectAltName=\(names)\n".write(toFile: "\(directory)/ext.cnf", atomically: true, encoding: .utf8)
        try await openssl(["x509", "-req", "-in", "\(directory)/server.csr", "-CA", caCertificate, "-CAkey", "\(directory)/ca.key",
                           "-CAcreateserial", "-out", serverCertificate, "-days", "2", "-extfile", "\(directory)/ext.cnf"])
    }

    private func openssl(_ arguments: [String]) async throws {
        let result = try await ProcessRunner.run("/usr/bin/openssl", arguments)
        guard result.status == 0 else { throw ScriptError(text: "openssl \(arguments.first ?? ""): \(result.stderr)") }
    }

    func discard() { try? FileManager.default.removeItem(atPath: directory) }
}
