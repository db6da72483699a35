import AsyncHTTPClient
import Synchronization

/// HTTP clients that trust a given file of certificate authorities, one per file and purpose for the process,
/// never shut down (as the default clients are not): a publisher or command that is dropped leaves no pool to
/// close, and a file read once is not read again per request.
public enum TrustingClients {
    private static let clients = Mutex<[String: HTTPClient]>([:])

    /// The client for `purpose` trusting the authorities in `file`; `configure` sets the rest of its
    /// configuration the first time.
    public static func client(purpose: String, trusting file: String, setting: String,
                              configure: (inout HTTPClient.Configuration) -> Void = { _ in }) throws(TLSFileError) -> HTTPClient {
        let key = purpose + "\u{0}" + file
        if let known = clients.withLock({ $0[key] }) { return known }
        var configuration = HTTPClient.Configuration()
        configure(&configuration)
        configuration.tlsConfiguration = try TLSFiles.client(trusting: file, setting: setting)
        let made = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        return clients.withLock { table in
            if let raced = table[key] {
                // Another caller made one first; this one was never used and is let go.
                try? made.syncShutdown()
                return raced
            }
            table[key] = made
            return made
        }
    }
}
