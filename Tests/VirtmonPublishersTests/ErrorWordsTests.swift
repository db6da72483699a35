import AsyncHTTPClient
import Foundation
import NIOCore
import NIOPosix
import Testing
import VirtmonModel
import VirtmonNetwork

/// What an operator reads when a file or a peer fails: the cause and the address, never Foundation's or
/// NIO's placeholder text.
@Suite struct ErrorWordsTests {
    @Test func fileErrorsInWords() throws {
        let missing = "/nonexistent-\(UUID().uuidString)/file"
        do {
            _ = try String(contentsOfFile: missing, encoding: .utf8)
            Issue.record("read a file that does not exist")
        } catch {
            #expect(ErrorWords.describe(error) == "no such file or directory", "\(error)")
        }
        do {
            try Data("x".utf8).write(to: URL(fileURLWithPath: missing))
            Issue.record("wrote into a directory that does not exist")
        } catch {
            let words = ErrorWords.describe(error)
            #expect(words == "no such file or directory" || words.hasPrefix("it could not be written"), "\(words)")
            #expect(!words.contains("operation could not be completed"))
        }
        // /dev/full answers every write with ENOSPC: what a full disk says.
        let full = try FileHandle(forWritingTo: URL(fileURLWithPath: "/dev/full"))
        do {
            try full.write(contentsOf: Data(repeating: 0, count: 4096))
            try full.synchronize()
            Issue.record("/dev/full took a write")
        } catch {
            #expect(ErrorWords.describe(error) == "no space left on device", "\(error)")
        }
        #expect(ErrorWords.posix(EACCES) == "permission denied")
    }

    @Test func networkErrorsNameTheAddressAndTheCause() async throws {
        let client = HTTPClient.shared
        func failure(_ url: String, timeout: TimeAmount = .seconds(5)) async -> String {
            do {
                _ = try await client.execute(HTTPClientRequest(url: url), timeout: timeout)
                return "answered"
            } catch {
                return NetworkErrorWords.describe(error, target: NetworkErrorWords.target(of: url))
            }
        }
        #expect(await failure("http://127.0.0.1:1/") == "connection refused by 127.0.0.1:1: nothing listens there")
        #expect(await failure("http://virtmon-no-such-host.invalid:8777/").hasPrefix("cannot resolve virtmon-no-such-host.invalid"))

        // A listener that takes the connection and never answers.
        let silent = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).get()
        defer { silent.close(promise: nil) }
        let port = silent.localAddress!.port!
        #expect(await failure("http://127.0.0.1:\(port)/", timeout: .milliseconds(300)) == "127.0.0.1:\(port) did not answer within the timeout")
        #expect(NetworkErrorWords.target(of: "https://collector.example/api/v1/batches") == "collector.example:443")
    }
}
