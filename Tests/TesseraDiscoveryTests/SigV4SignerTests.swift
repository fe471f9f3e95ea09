import Foundation
import Testing

@testable import TesseraDiscovery

/// AWS's published Signature Version 4 test suite (Vectors/sigv4, see its README): for every case the canonical
/// request, the string to sign and the `Authorization` header must be the published ones, byte for byte.
struct SigV4SignerTests {
    static let vectors = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Vectors/sigv4")
    static let date = Date(timeIntervalSince1970: 1_440_938_160)  // 2015-08-30T12:36:00Z
    static let credentials = AWSCredentials(
        accessKeyID: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")

    /// Every folder holding a request.txt, relative to Vectors/sigv4 (`get-vanilla`, `normalize-path/get-slash`).
    static let cases: [String] = {
        let enumerator = FileManager.default.enumerator(atPath: vectors.path)
        var found: [String] = []
        while let path = enumerator?.nextObject() as? String {
            if path.hasSuffix("/request.txt") { found.append(String(path.dropLast("/request.txt".count))) }
        }
        return found.sorted()
    }()

    static func read(_ name: String, _ file: String) -> String? {
        guard
            let data = FileManager.default.contents(
                atPath: vectors.appendingPathComponent(name).appendingPathComponent(file).path)
        else { return nil }
        let text = String(decoding: data, as: UTF8.self)
        return file.hasSuffix("authorization.txt") || file.hasSuffix("session-token.txt")
            ? text.trimmingCharacters(in: .newlines) : text
    }

    /// Parses the suite's request format: `METHOD URI HTTP/1.1`, `Name:value` lines, a blank line, the body.
    static func request(_ text: String) throws -> SigV4Request {
        let (head, body) =
            text.range(of: "\n\n").map { (String(text[..<$0.lowerBound]), String(text[$0.upperBound...])) } ?? (text, "")
        var lines = head.components(separatedBy: "\n")
        let requestLine = lines.removeFirst()
        let method = try #require(requestLine.split(separator: " ").first)
        let target = try #require(
            requestLine.dropFirst(method.count + 1).range(of: " HTTP/1.1", options: .backwards).map {
                String(requestLine[requestLine.index(requestLine.startIndex, offsetBy: method.count + 1)..<$0.lowerBound])
            })
        let path = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        let headers = try lines.map { line in
            let colon = try #require(line.firstIndex(of: ":"))
            return SigV4Request.Header(String(line[..<colon]), String(line[line.index(after: colon)...]))
        }
        return SigV4Request(
            method: String(method), path: String(path[0]), query: path.count > 1 ? String(path[1]) : "", headers: headers,
            body: Data(body.utf8))
    }

    @Test func theSuiteIsThere() {
        #expect(Self.cases.count >= 28)
        #expect(Self.cases.contains("get-vanilla"))
        #expect(Self.cases.contains("normalize-path/get-space"))
    }

    @Test(arguments: cases)
    func publishedCase(_ name: String) throws {
        let token = Self.read(name, "session-token.txt")
        let signer = SigV4Signer(
            credentials: AWSCredentials(
                accessKeyID: Self.credentials.accessKeyID, secretAccessKey: Self.credentials.secretAccessKey,
                sessionToken: token),
            region: "us-east-1", service: "service")
        let request = try Self.request(try #require(Self.read(name, "request.txt")))
        let prepared = signer.prepared(request, at: Self.date)
        let canonical = signer.canonicalRequest(prepared)
        if let expected = Self.read(name, "canonical-request.txt") { #expect(canonical == expected) }
        let stringToSign = signer.stringToSign(canonicalRequest: canonical, at: Self.date)
        if let expected = Self.read(name, "string-to-sign.txt") { #expect(stringToSign == expected) }
        let signed = signer.signed(request, at: Self.date)
        #expect(signed.header("Authorization") == Self.read(name, "authorization.txt"))
    }

    @Test func theSessionTokenIsSignedAsXAmzSecurityToken() {
        let signer = SigV4Signer(
            credentials: AWSCredentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "secret", sessionToken: "token-1"),
            region: "us-east-1", service: "iam")
        let signed = signer.signed(
            SigV4Request(method: "POST", path: "/", headers: [.init("Host", "iam.amazonaws.com")]), at: Self.date)
        #expect(signed.header("X-Amz-Security-Token") == "token-1")
        #expect(signed.header("X-Amz-Date") == "20150830T123600Z")
        #expect(signed.header("Authorization")?.contains("SignedHeaders=host;x-amz-date;x-amz-security-token,") == true)
    }

    @Test func aChangedSecretChangesTheSignature() {
        let request = SigV4Request(method: "GET", path: "/", headers: [.init("Host", "example.amazonaws.com")])
        let one = SigV4Signer(credentials: Self.credentials, region: "us-east-1", service: "service")
        let other = SigV4Signer(
            credentials: AWSCredentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEZ"),
            region: "us-east-1", service: "service")
        #expect(
            one.signed(request, at: Self.date).header("Authorization")
                != other.signed(request, at: Self.date).header("Authorization"))
        #expect(!"\(Self.credentials)".contains("wJalr"))
    }

    @Test func timestampIsUTC() {
        #expect(SigV4Signer.timestamp(Date(timeIntervalSince1970: 0)) == "19700101T000000Z")
        #expect(SigV4Signer.timestamp(Self.date) == "20150830T123600Z")
    }
}
