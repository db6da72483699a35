import Foundation
import Testing
import VirtmonModel

@Suite struct BatchSignatureTests {
    func batch(sequence: UInt64 = 7) -> Batch {
        Batch(agent: "agent-1", host: "node1", sequence: sequence, sentAt: Date(timeIntervalSince1970: 1_000_000),
              samples: [Sample(name: "m", type: .cumulative, unit: "B", volume: 42, resourceID: "r",
                               timestamp: Date(timeIntervalSince1970: 999_990))])
    }

    @Test func signsAndVerifies() throws {
        let signer = BatchSignature(secret: "s3cret")
        let body = batch().encoded()
        let signature = try #require(signer.sign(body))
        #expect(signature.count == 64)
        #expect(signer.verify(body, signature: signature))
        #expect(signer.verify(body, signature: signature.uppercased()))
        #expect(!BatchSignature(secret: "other").verify(body, signature: signature))
        #expect(!signer.verify(body, signature: nil))
        #expect(!signer.verify(body, signature: "zz"))
    }

    @Test func theSignatureCoversSequenceAndSendTime() throws {
        let signer = BatchSignature(secret: "s3cret")
        let original = batch(sequence: 7).encoded()
        let signature = signer.sign(original)
        #expect(!signer.verify(batch(sequence: 8).encoded(), signature: signature))
        var later = batch(sequence: 7)
        later.sentAt = later.sentAt.addingTimeInterval(1)
        #expect(!signer.verify(later.encoded(), signature: signature))
    }

    @Test func hmacMatchesAKnownVector() {
        // RFC 4231 test case 2.
        let signer = BatchSignature(secret: "Jefe")
        #expect(signer.sign(Data("what do ya want for nothing?".utf8))
                == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    }

    @Test func emptySecretMeansUnsigned() throws {
        let signer = BatchSignature(secret: "")
        #expect(!signer.isEnabled)
        #expect(signer.sign(Data("x".utf8)) == nil)
        #expect(signer.verify(Data("x".utf8), signature: nil))
    }

    @Test func batchRoundTrips() throws {
        let decoded = try Batch.decode(batch().encoded())
        #expect(decoded.sequence == 7 && decoded.agent == "agent-1" && decoded.samples.count == 1)
        #expect(decoded.sentAt == Date(timeIntervalSince1970: 1_000_000))
    }

    @Test func framesSplitHeaderAndBody() throws {
        let body = Data(#"{"x":1}"#.utf8)
        let signature = String(repeating: "ab", count: 32)
        let frame = SignedFrame(signature: signature, body: body)
        #expect(try SignedFrame.decode(frame.encoded()) == frame)
        #expect(try SignedFrame.decode(SignedFrame(signature: nil, body: body).encoded()).signature == nil)
    }

    @Test func garbageFramesAreRefusedWithAReason() {
        #expect(throws: SignedFrame.DecodeError.missingHeader) { try SignedFrame.decode(Data("no newline".utf8)) }
        #expect(throws: SignedFrame.DecodeError.unknownMagic("GET")) {
            try SignedFrame.decode(Data("GET /\n{}".utf8))
        }
        #expect(throws: SignedFrame.DecodeError.malformedSignature) {
            try SignedFrame.decode(Data("virtmon/1 xyz\n{}".utf8))
        }
        #expect(throws: SignedFrame.DecodeError.missingHeader) { try SignedFrame.decode(Data()) }
    }
}
