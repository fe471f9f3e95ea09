import Foundation
import NIOCore
import TesseraCore
import Testing

@testable import TesseraDiscovery

/// The IAM client's pagination, throttling and error mapping, replaying answers captured from moto (see
/// Vectors/aws/README.md) through a transport that records what was sent.
struct IAMClientTests {
    final class Replay: @unchecked Sendable {
        private let lock = NSLock()
        private var answers: [(Int, String)]
        private(set) var bodies: [String] = []
        private(set) var headers: [[(String, String)]] = []
        private(set) var sleeps: [Duration] = []

        init(_ answers: [(Int, String)]) { self.answers = answers }

        func send(_ url: String, _ headers: [(String, String)], _ body: Data) throws -> DiscoveryHTTPClient.Response {
            try lock.withLock {
                bodies.append(String(decoding: body, as: UTF8.self))
                self.headers.append(headers)
                let (status, fixture) = answers.count > 1 ? answers.removeFirst() : try #require(answers.first)
                let data = try #require(
                    FileManager.default.contents(atPath: IAMParsingTests.folder.appendingPathComponent(fixture + ".xml").path))
                return DiscoveryHTTPClient.Response(status: status, headers: [], body: data)
            }
        }

        func slept(_ duration: Duration) { lock.withLock { sleeps.append(duration) } }
    }

    static func client(_ replay: Replay, pageSize: Int? = nil) -> IAMClient {
        let signer = SigV4Signer(
            credentials: AWSCredentials(accessKeyID: "AKIATEST", secretAccessKey: "secret", sessionToken: "session"),
            region: "us-east-1", service: "iam")
        return IAMClient(
            endpoint: URL(string: "http://127.0.0.1:5000")!, signer: signer,
            clock: ManualTimeSource(Date(timeIntervalSince1970: 1_440_938_160)),
            transport: { try replay.send($0, $1, $2) }, sleep: { replay.slept($0) }, pageSize: pageSize)
    }

    @Test func followsMarkersToTheLastPage() async throws {
        let replay = Replay([(200, "list-roles-page1"), (200, "list-roles-page2"), (200, "list-roles-page3")])
        let listing = await Self.client(replay, pageSize: 2).list("ListRoles", items: "Roles")
        #expect(listing.failure == nil)
        #expect(listing.pages == 3)
        #expect(listing.items.compactMap { $0.string("RoleName") }.count == 5)
        #expect(
            replay.bodies == [
                "Action=ListRoles&Version=2010-05-08&MaxItems=2",
                "Action=ListRoles&Version=2010-05-08&MaxItems=2&Marker=2",
                "Action=ListRoles&Version=2010-05-08&MaxItems=2&Marker=4",
            ])
        let sent = try #require(replay.headers.first)
        #expect(sent.contains { $0.0 == "Host" && $0.1 == "127.0.0.1:5000" })
        #expect(sent.contains { $0.0 == "X-Amz-Security-Token" && $0.1 == "session" })
        #expect(sent.contains { $0.0 == "Authorization" && $0.1.contains("/us-east-1/iam/aws4_request") })
    }

    @Test func aRepeatedMarkerStopsTheListing() async {
        let replay = Replay([(200, "list-roles-page1"), (200, "list-roles-page1")])
        let listing = await Self.client(replay).list("ListRoles", items: "Roles")
        #expect(listing.items.count == 4)
        #expect(listing.failure?.reason.contains("page 2 is truncated but gave no new Marker") == true)
        #expect(listing.failure?.code == .malformed)
    }

    @Test func throttlingIsRetriedWithBackoffThenFails() async {
        let replay = Replay([(400, "throttling")])
        let listing = await Self.client(replay).list("ListUsers", items: "Users")
        #expect(listing.failure?.code == .throttled)
        #expect(listing.failure?.description.hasPrefix("aws: IAM kept throttling iam:ListUsers after 5 tries") == true)
        #expect(replay.bodies.count == 5)
        #expect(replay.sleeps == [.milliseconds(200), .milliseconds(400), .milliseconds(800), .milliseconds(1600)])
    }

    @Test func throttlingThatEndsIsInvisible() async throws {
        let replay = Replay([(400, "throttling"), (503, "throttling"), (200, "list-users")])
        let result = try await Self.client(replay).call("ListUsers")
        #expect(result?.members(of: "Users").count == 6)
        #expect(replay.sleeps.count == 2)
    }

    @Test(arguments: [
        ("signature-does-not-match", DiscoveryError.Code.unauthenticated, "AWS_SECRET_ACCESS_KEY is not the secret of AKIATEST"),
        ("invalid-client-token-id", .unauthenticated, "IAM does not know the access key id AKIATEST"),
        ("access-denied", .forbidden, "the credentials lack iam:ListPolicies (AccessDenied)"),
    ])
    func errorsSayWhatIsMissing(fixture: String, code: DiscoveryError.Code, text: String) async {
        let replay = Replay([(403, fixture)])
        await #expect(throws: DiscoveryError.self) { try await Self.client(replay).call("ListPolicies") }
        do {
            _ = try await Self.client(Replay([(403, fixture)])).call("ListPolicies")
        } catch let error as DiscoveryError {
            #expect(error.code == code)
            #expect(error.description.hasPrefix("aws: "))
            #expect(error.reason.contains(text))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func noSuchEntityIsAbsenceWhenAllowed() async throws {
        let result = try await Self.client(Replay([(404, "get-login-profile-missing")]))
            .call("GetLoginProfile", [("UserName", "s3-reader")], allowMissing: true)
        #expect(result == nil)
        await #expect(throws: DiscoveryError.self) {
            try await Self.client(Replay([(404, "get-login-profile-missing")])).call("GetLoginProfile")
        }
    }

    @Test func anAnswerThatIsNotIAMIsMalformed() async {
        do {
            _ = try await Self.client(Replay([(200, "not-iam")])).call("ListUsers")
            Issue.record("a non-XML answer was accepted")
        } catch let error as DiscoveryError {
            #expect(error.code == .malformed)
            #expect(error.reason.contains("is --endpoint-url an IAM endpoint?"))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }
}
