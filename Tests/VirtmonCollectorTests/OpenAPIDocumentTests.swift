import Foundation
import Logging
import Testing
import VirtmonAPI
import VirtmonCollector
import VirtmonModel
import VirtmonStorage

@Suite("OpenAPI document")
struct OpenAPIDocumentTests {
    @Test("/openapi.json describes exactly the routes the router serves")
    func matchesRouter() throws {
        let storage = MemoryStorage()
        let logger = Logger(label: "test.openapi")
        let environment = APIEnvironment(storage: storage, ingestor: Ingestor(storage: storage, secret: "", logger: logger),
                                         tokens: TokenTable(adminToken: "a"), logger: logger)
        let served = Set(APIServer.router(environment).routes.map { "\($0.method) \($0.path)" })
        #expect(!served.isEmpty)
        let described = OpenAPIDocument.routes
        #expect(served.subtracting(described).isEmpty, "served but not described: \(served.subtracting(described).sorted())")
        #expect(described.subtracting(served).isEmpty, "described but not served: \(described.subtracting(served).sorted())")
    }

    @Test("the document is served open, as JSON that decodes")
    func served() async throws {
        let collector = try await CollectorHarness()
        defer { Task { await collector.stop() } }
        let answer = try await collector.request(.GET, "/openapi.json", token: nil)
        #expect(answer.status == 200)
        guard case .object(let document)? = answer.json else { Issue.record("\(answer.text)"); return }
        #expect(document["openapi"] == "3.0.3")
    }
}
