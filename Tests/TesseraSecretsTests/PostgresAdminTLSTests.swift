import Foundation
import Logging
import TesseraTestSupport
import Testing

@testable import TesseraSecrets

/// The admin connection that sends `CREATE ROLE … PASSWORD` is encrypted.
@Suite(.needsPostgres) struct PostgresAdminTLSTests {
    @Test func withoutSSLModeRemoteHostsRequireTLS() throws {
        #expect(try PostgresConnectionSettings(url: "postgres://a:b@db.internal:5432/app").tls == .require)
        #expect(try PostgresConnectionSettings(url: "postgres://a:b@10.0.0.5/app").tls == .require)
        #expect(try PostgresConnectionSettings(url: "postgres://a:b@127.0.0.1/app").tls == .prefer)
        #expect(try PostgresConnectionSettings(url: "postgres://a:b@localhost/app").tls == .prefer)
        #expect(try PostgresConnectionSettings(url: "postgres://a:b@db.internal/app?sslmode=disable").tls == .disable)
        #expect(throws: SecretsError.self) { try PostgresConnectionSettings(url: "postgres://a:b@db/app?sslmode=bogus") }
        #expect(throws: SecretsError.self) {
            try PostgresConnectionSettings(url: "postgres://a:b@db/app?sslrootcert=/etc/passwd")
        }
        #expect(throws: SecretsError.self) { try PostgresConnectionSettings(url: "postgres://a:b@db/app?schema=x") }
    }

    @Test func theAdminConnectionIsEncryptedAndVerified() async throws {
        let base = try testPostgres()
        guard let password = base.password, let ca = ProcessInfo.processInfo.environment["TESSERA_TEST_POSTGRES_CA"] else {
            Issue.record("TESSERA_TEST_POSTGRES_CA is not set: run scripts/postgres-test-server")
            return
        }
        let root = "postgres://\(base.username):\(password)@\(base.host):\(base.port)/\(base.database)"
        let logger = Logger(label: "test")
        for query in ["?sslmode=require", "?sslmode=verify-full&sslrootcert=\(ca)"] {
            let settings = try PostgresConnectionSettings(url: root + query)
            let manager = PostgresRoleManager(settings: settings, templates: [:], logger: logger)
            #expect(try await manager.connectionIsEncrypted(), "\(query)")
        }
        // verify-full refuses a server whose certificate the given roots did not sign (the system roots).
        let impostor = PostgresRoleManager(
            settings: try PostgresConnectionSettings(url: root + "?sslmode=verify-full"), templates: [:], logger: logger)
        await #expect(throws: SecretsError.self) { try await impostor.connectionIsEncrypted() }
        // The plain mode stays available, but only when asked for.
        let plain = PostgresRoleManager(
            settings: try PostgresConnectionSettings(url: root + "?sslmode=disable"), templates: [:], logger: logger)
        #expect(try await plain.connectionIsEncrypted() == false)
    }
}
