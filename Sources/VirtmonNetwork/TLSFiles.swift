import Foundation
import NIOSSL

/// TLS settings from PEM files, with errors that name the file and what is wrong with it rather than
/// BoringSSL's error stack.
public enum TLSFiles {
    /// A server configuration from a certificate chain (leaf first) and its private key, checked by building
    /// a context at once: a key that does not match the certificate is refused at start, not at the first
    /// handshake. TLS 1.2 at the least.
    public static func server(certificate: String, key: String, setting: String = "tls") throws(TLSFileError) -> TLSConfiguration {
        let chain = try certificates(certificate, role: "certificate", setting: setting)
        let bytes = try read(key, role: "private key", setting: setting)
        let privateKey: NIOSSLPrivateKey
        do {
            privateKey = try NIOSSLPrivateKey(bytes: bytes, format: .pem)
        } catch {
            throw TLSFileError(setting: setting, path: key, problem: "is not a PEM private key (an unencrypted -----BEGIN PRIVATE KEY----- block is expected)")
        }
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(privateKey))
        configuration.minimumTLSVersion = .tlsv12
        do {
            _ = try NIOSSLContext(configuration: configuration)
        } catch {
            throw TLSFileError(setting: setting, path: key, problem: "does not go with the certificate in \(certificate) (\(error))")
        }
        return configuration
    }

    /// A client configuration that trusts the certificate authorities in `authorities` (PEM, one or more) instead
    /// of the system's, and checks the server's name against its certificate.
    public static func client(trusting authorities: String?, setting: String = "tls_ca") throws(TLSFileError) -> TLSConfiguration {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.minimumTLSVersion = .tlsv12
        if let authorities {
            configuration.trustRoots = .certificates(try certificates(authorities, role: "certificate authority", setting: setting))
        }
        return configuration
    }

    private static func certificates(_ path: String, role: String, setting: String) throws(TLSFileError) -> [NIOSSLCertificate] {
        let bytes = try read(path, role: role, setting: setting)
        let parsed: [NIOSSLCertificate]
        do {
            parsed = try NIOSSLCertificate.fromPEMBytes(bytes)
        } catch {
            throw TLSFileError(setting: setting, path: path, problem: "is not a PEM certificate (-----BEGIN CERTIFICATE----- blocks are expected)")
        }
        guard !parsed.isEmpty else {
            throw TLSFileError(setting: setting, path: path, problem: "holds no PEM certificate (-----BEGIN CERTIFICATE----- blocks are expected)")
        }
        return parsed
    }

    private static func read(_ path: String, role: String, setting: String) throws(TLSFileError) -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            let exists = FileManager.default.fileExists(atPath: path)
            throw TLSFileError(setting: setting, path: path, problem: exists ? "cannot be read (permissions?); it should hold the \(role)" : "does not exist; it should hold the \(role)")
        }
        return Array(data)
    }
}
