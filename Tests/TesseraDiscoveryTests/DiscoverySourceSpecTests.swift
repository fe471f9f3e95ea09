import Foundation
import TesseraCore
import Testing

@testable import TesseraDiscovery

/// `--discover SPEC`: each source's URL form, its interval, and the refusals that stop a server at start.
@Suite struct DiscoverySourceSpecTests {
    @Test func eachSourceParsesWithItsIntervalAndNoCredentialInItsDescription() throws {
        let postgres = try DiscoverySourceSpec(
            parsing: "postgres://discovery@db.internal:5432/app?password_file=/etc/pw&sslmode=require&every=6h")
        #expect(postgres.source == .postgres && postgres.interval == .seconds(6 * 3600))
        #expect(postgres.description == "postgres://discovery@db.internal:5432/app")
        let bao = try DiscoverySourceSpec(parsing: "openbao+https://vault.internal:8200?token_file=/etc/t&namespace=ops")
        #expect(bao.source == .openbao && bao.interval == .seconds(86_400))
        let aws = try DiscoverySourceSpec(
            parsing: "aws://eu-west-1?endpoint_url=http://127.0.0.1:5000&every=30m", environment: [:])
        #expect(aws.source == .aws && aws.interval == .seconds(1800))
        let host = try DiscoverySourceSpec(parsing: "host:///srv/root?name=build-01&every=1d")
        #expect(host.source == .host && host.description == "host:///srv/root")
    }

    @Test(arguments: [
        "postgres://u:secret@db/app?password_file=/x",  // a password in the spec
        "postgres://u@db/app",  // no password file
        "openbao+https://vault:8200",  // no token file
        "postgres://u@db/app?password_file=/x&every=10s",  // too often
        "postgres://u@db/app?password_file=/x&every=fast",
        "postgres://u@db/app?password_file=/x&colour=blue",  // unknown parameter
        "ldap://directory",  // unknown source
        "aws://?endpoint_url=file:///etc/passwd",
    ])
    func aBadSpecIsRefusedWithItsReason(_ text: String) {
        #expect(throws: DiscoveryError.self) { try DiscoverySourceSpec(parsing: text, environment: [:]) }
    }

    @Test func credentialsAreReadAtEachRunNotAtStart() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("spec-\(UUID().uuidString)").path
        let spec = try DiscoverySourceSpec(parsing: "postgres://u@127.0.0.1/app?password_file=\(file)")
        #expect(throws: DiscoveryError.self) { try spec.connector() }
        try Data("pw\n".utf8).write(to: URL(fileURLWithPath: file))
        defer { try? FileManager.default.removeItem(atPath: file) }
        let connector = try spec.connector()
        #expect(connector.scope == "postgres://127.0.0.1:5432/app")
        let missing = try DiscoverySourceSpec(parsing: "aws://us-east-1", environment: [:])
        #expect(throws: DiscoveryError.self) { try missing.connector() }
    }
}
