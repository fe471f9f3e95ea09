import Foundation
import Logging
import PostgresNIO
import Testing

@testable import TesseraSecrets

/// Runs against the real PostgreSQL that `scripts/test` starts (scripts/postgres-test-server).
func testPostgres() throws -> PostgresConnectionSettings {
    guard let url = ProcessInfo.processInfo.environment["TESSERA_TEST_POSTGRES_URL"] else {
        throw SecretsError(.configuration, "TESSERA_TEST_POSTGRES_URL is not set: run scripts/test (it starts PostgreSQL)")
    }
    return try PostgresConnectionSettings(url: url)
}

let readOnlyTemplate = PostgresRoleTemplate(
    creation: ["CREATE ROLE {{name}} LOGIN PASSWORD {{password}} VALID UNTIL {{expiry}} IN ROLE app_read"], maxTTL: 600)

func login(_ settings: PostgresConnectionSettings, user: String, password: String) async throws -> String {
    let connection = try await PostgresConnection.connect(
        configuration: .init(
            host: settings.host, port: settings.port, username: user, password: password, database: settings.database,
            tls: .disable),
        id: 2, logger: Logger(label: "test"))
    defer { Task { try? await connection.close() } }
    var current = ""
    for try await name in try await connection.query("SELECT current_user::text", logger: Logger(label: "test"))
        .decode(String.self)
    {
        current = name
    }
    return current
}

/// Sessions the server holds for `user`, counted over an administrator connection.
private func sessions(of user: String, _ settings: PostgresConnectionSettings) async throws -> Int {
    let admin = try await PostgresConnection.connect(
        configuration: .init(
            host: settings.host, port: settings.port, username: settings.username, password: settings.password,
            database: settings.database, tls: .disable),
        id: 4, logger: Logger(label: "test"))
    var count = 0
    for try await value in try await admin.query(
        "SELECT count(*)::int FROM pg_stat_activity WHERE usename = \(user)", logger: Logger(label: "test")
    ).decode(Int.self) {
        count = value
    }
    try await admin.close()
    return count
}

@Test(.needsPostgres) func createdRolesLogInUntilDropped() async throws {
    let settings = try testPostgres()
    let manager = PostgresRoleManager(settings: settings, templates: ["read": readOnlyTemplate], logger: Logger(label: "t"))
    let now = Date()
    let credential = try await manager.create(template: "read", requestedExpiry: now.addingTimeInterval(3600), now: now)
    #expect(credential.username.hasPrefix("tsr_"))
    #expect(credential.expiresAt <= now.addingTimeInterval(600), "capped by the template's max_ttl")
    #expect(try await login(settings, user: credential.username, password: credential.password) == credential.username)
    await #expect(throws: (any Error).self) { _ = try await login(settings, user: credential.username, password: "wrong") }
    #expect(try await manager.managedRoles().contains(credential.username))
    // An open session of the role is terminated when the role is dropped.
    let session = try await PostgresConnection.connect(
        configuration: .init(
            host: settings.host, port: settings.port, username: credential.username, password: credential.password,
            database: settings.database, tls: .disable),
        id: 3, logger: Logger(label: "test"))
    #expect(try await sessions(of: credential.username, settings) == 1)
    try await manager.drop(credential.username)
    #expect(try await sessions(of: credential.username, settings) == 0, "its session was terminated")
    _ = session  // terminated by the server; closing a killed connection is not needed
    #expect(!(try await manager.managedRoles().contains(credential.username)))
    await #expect(throws: (any Error).self) {
        _ = try await login(settings, user: credential.username, password: credential.password)
    }
    try await manager.drop(credential.username)  // idempotent
}

@Test(.needsPostgres) func templatesQuoteEverythingTheyInsert() throws {
    let template = PostgresRoleTemplate(
        creation: ["CREATE ROLE {{name}} PASSWORD {{password}} VALID UNTIL {{expiry}}"], maxTTL: 60, passwordFormat: .plaintext)
    let rendered = try template.render(name: "a\"b", password: "x'y", expiry: Date(timeIntervalSince1970: 1_800_000_000))
    #expect(rendered == ["CREATE ROLE \"a\"\"b\" PASSWORD 'x''y' VALID UNTIL '2027-01-15T08:00:00Z'"])
    let unknown = PostgresRoleTemplate(creation: ["GRANT {{schema}} TO {{name}}"], maxTTL: 60)
    #expect(throws: SecretsError.self) { try unknown.render(name: "n", password: "p", expiry: Date()) }
}

@Test(.needsPostgres) func badTemplatesAndUnknownRolesAreRefused() async throws {
    let manager = PostgresRoleManager(settings: try testPostgres(), templates: [:], logger: Logger(label: "t"))
    await #expect(throws: SecretsError.self) {
        _ = try await manager.create(template: "nope", requestedExpiry: Date(), now: Date())
    }
    await #expect(throws: SecretsError.self) { try await manager.drop("postgres") }
    let broken = PostgresRoleManager(
        settings: try testPostgres(),
        templates: ["bad": .init(creation: ["CREATE ROLE {{name}} IN ROLE no_such_group"], maxTTL: 60)],
        logger: Logger(label: "t"))
    await #expect(throws: SecretsError.self) {
        _ = try await broken.create(template: "bad", requestedExpiry: Date().addingTimeInterval(60), now: Date())
    }
    #expect(throws: SecretsError.self) { try PostgresConnectionSettings(url: "mysql://x@y/z") }
    #expect(!(try PostgresConnectionSettings(url: "postgres://u:secret@h:1/d").description.contains("secret")))
}

/// One admin session serves consecutive operations; a template that changes the session, or a session PostgreSQL
/// closed, is never handed to the next operation.
@Test(.needsPostgres) func adminSessionsArePooledButNeverReusedAfterTheSessionChanged() async throws {
    let settings = try testPostgres()
    let changing = PostgresRoleTemplate(
        creation: [
            "CREATE ROLE {{name}} LOGIN PASSWORD {{password}} VALID UNTIL {{expiry}} IN ROLE app_read",
            "SET search_path TO nowhere",
        ], maxTTL: 600)
    let manager = PostgresRoleManager(
        settings: settings, templates: ["read": readOnlyTemplate, "changing": changing], logger: Logger(label: "t"))
    let now = Date()
    let first = try await manager.backendPID()
    let plain = try await manager.create(template: "read", requestedExpiry: now.addingTimeInterval(60), now: now)
    #expect(try await manager.backendPID() == first, "consecutive operations share one session")
    #expect(manager.idleCount == 1)
    let changed = try await manager.create(template: "changing", requestedExpiry: now.addingTimeInterval(60), now: now)
    #expect(manager.idleCount == 0, "the session that ran SET was closed, not pooled")
    let second = try await manager.backendPID()
    #expect(second != first)
    // PostgreSQL ends the pooled session (a restart, an idle timeout): the next operation opens a new one.
    let admin = try await PostgresConnection.connect(
        configuration: .init(
            host: settings.host, port: settings.port, username: settings.username, password: settings.password,
            database: settings.database, tls: .disable),
        id: 5, logger: Logger(label: "test"))
    _ = try await admin.query("SELECT pg_terminate_backend(\(second))", logger: Logger(label: "test")).collect()
    try await admin.close()
    try await Task.sleep(for: .milliseconds(300))
    let third = try await manager.create(template: "read", requestedExpiry: now.addingTimeInterval(60), now: now)
    #expect(try await manager.backendPID() != second)
    #expect(try await login(settings, user: third.username, password: third.password) == third.username)
    for credential in [plain, changed, third] { try await manager.drop(credential.username) }
    #expect(!(try await manager.managedRoles()).contains { [plain, changed, third].map(\.username).contains($0) })
    await manager.shutdown()
    #expect(manager.idleCount == 0)
}
