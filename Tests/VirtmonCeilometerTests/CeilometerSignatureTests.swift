import Foundation
import Testing
@testable import VirtmonCeilometer

@Suite struct CeilometerSignatureTests {
    /// REFERENCE §9's vectors, computed with Ceilometer 9.0.7's own compute_signature on Python 3.11.
    static let vector = """
        {"source":"openstack","counter_name":"cpu_util","counter_type":"gauge","counter_unit":"%","counter_volume":12.5,\
        "user_id":"u1","project_id":"p1","resource_id":"r1","timestamp":"2017-08-30T12:34:56.789012","resource_metadata":\
        {"host":"h1","flavor":{"name":"m1.small","vcpus":1},"tags":["a","b"]},"message_id":\
        "6f1e3c2a-8d3b-11e7-9a7e-0242ac110002","monotonic_time":null}
        """

    @Test func matchesCeilometersOwnSignature() throws {
        let signature = CeilometerSignature(secret: "secret")
        #expect(signature.sign(try CeilometerJSON.parse(Self.vector)) == "2819ff3f6e5a8cc1e86b3e3e2432ece007391053c2ced69f23823d75d755b25b")
        let second = Self.vector.replacingOccurrences(of: "\"counter_volume\":12.5", with: "\"counter_volume\":1.0")
            .replacingOccurrences(of: #"{"host":"h1","flavor":{"name":"m1.small","vcpus":1},"tags":["a","b"]}"#, with: #"{"host":"h1"}"#)
        #expect(signature.sign(try CeilometerJSON.parse(second)) == "5e86aeacdc7569b7d1c52316187e4f4720dd2cef141c8729cfa6146afcc30334")
    }

    @Test func verifiesAndRefusesForgeries() throws {
        let signature = CeilometerSignature(secret: "secret")
        let good = Self.vector.replacingOccurrences(of: "\"monotonic_time\":null}", with: "\"monotonic_time\":null,\"message_signature\":\"2819ff3f6e5a8cc1e86b3e3e2432ece007391053c2ced69f23823d75d755b25b\"}")
        #expect(signature.verify(try CeilometerJSON.parse(good)))
        // A changed value, a changed secret and a missing signature all fail.
        #expect(!signature.verify(try CeilometerJSON.parse(good.replacingOccurrences(of: "12.5", with: "13.5"))))
        #expect(!CeilometerSignature(secret: "other").verify(try CeilometerJSON.parse(good)))
        #expect(!signature.verify(try CeilometerJSON.parse(Self.vector)))
        // No secret: Ceilometer treats every sample as valid.
        #expect(CeilometerSignature(secret: "").verify(try CeilometerJSON.parse(Self.vector)))
    }

    @Test func integersAndFloatsSignApart() throws {
        let signature = CeilometerSignature(secret: "s")
        #expect(signature.sign(try CeilometerJSON.parse(#"{"v": 12}"#)) != signature.sign(try CeilometerJSON.parse(#"{"v": 12.0}"#)))
    }

    @Test func pythonFloatText() {
        let cases: [(Double, String)] = [
            (12.5, "12.5"), (1.0, "1.0"), (0.0001, "0.0001"), (0.00001, "1e-05"), (1e16, "1e+16"),
            (1e15, "1000000000000000.0"), (9007199254740993.0, "9007199254740992.0"), (123456.789, "123456.789"),
            (-2.5e-7, "-2.5e-07"), (1.5e300, "1.5e+300"), (0.1, "0.1"), (100.0, "100.0"), (5e-324, "5e-324"),
        ]
        for (number, text) in cases { #expect(PythonText.float(number) == text, "\(number)") }
    }

    @Test func pythonListText() throws {
        let value = try CeilometerJSON.parse(#"["a", 1, 2.0, null, true, ["x"], {"k": "v", "a": 1}, "it's", "é"]"#)
        #expect(PythonText.repr(value, stringsAsBytes: true) == #"[b'a', 1, 2.0, None, True, [b'x'], {b'a': 1, b'k': b'v'}, b"it's", b'\xc3\xa9']"#)
    }
}
