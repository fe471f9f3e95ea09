import Foundation
import TesseraCore
import Testing

@testable import TesseraStore

private func temporaryDirectory() -> String {
    let path = NSTemporaryDirectory() + "tessera-store-" + UUID().uuidString
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

private func identity(_ name: String, kind: IdentityKind = .service, owner: String = "alice", env: String? = "prod")
    throws -> Identity
{
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    return Identity(
        id: "nhi_\(name)", spiffeID: try SPIFFEID(parsing: "spiffe://example.org/\(name)"), kind: kind, owner: owner,
        purpose: "p", environment: env, expiresAt: now.addingTimeInterval(3600), scopes: ["a", "b"], audiences: ["x"],
        tokenTTL: 60, jwks: "{\"keys\":[]}", createdAt: now, updatedAt: now)
}

@Test func identitiesRoundTripThroughSQLite() async throws {
    let repository = try SQLiteStorage(directory: temporaryDirectory()).identities
    let original = try identity("billing")
    try await repository.create(original)
    #expect(try await repository.get(id: "nhi_billing") == original)
    #expect(try await repository.get(spiffeID: "spiffe://example.org/billing") == original)
    #expect(try await repository.get(id: "nhi_missing") == nil)
}

@Test func duplicateSPIFFEIDIsAConflict() async throws {
    let repository = try SQLiteStorage(directory: temporaryDirectory()).identities
    try await repository.create(try identity("billing"))
    let duplicate = Identity(
        id: "nhi_other", spiffeID: try SPIFFEID(parsing: "spiffe://example.org/billing"), kind: .service, owner: "o",
        purpose: "p", jwks: "{}", createdAt: Date(), updatedAt: Date())
    await #expect(throws: StoreError.self) { try await repository.create(duplicate) }
}

@Test func filtersAndKeysetPagination() async throws {
    let repository = try SQLiteStorage(directory: temporaryDirectory()).identities
    for index in 0..<25 {
        try await repository.create(
            try identity(
                String(format: "svc%02d", index), kind: index % 2 == 0 ? .service : .batchJob,
                owner: index < 10 ? "alice" : "bob", env: index % 5 == 0 ? "dev" : "prod"))
    }
    #expect(try await repository.list(IdentityFilter(kind: .batchJob)).count == 12)
    #expect(try await repository.list(IdentityFilter(owner: "alice", environment: "dev")).count == 2)
    #expect(try await repository.count(IdentityFilter(owner: "bob")) == 15)
    var seen: [String] = []
    var cursor: String?
    repeat {
        let page = try await repository.list(IdentityFilter(after: cursor, limit: 10))
        seen += page.map(\.id)
        cursor = page.count == 10 ? page.last?.id : nil
    } while cursor != nil
    #expect(seen.count == 25)
    #expect(seen == seen.sorted())
    #expect(try await repository.list(IdentityFilter(spiffeIDPrefix: "spiffe://example.org/svc1")).count == 10)
}

@Test func updateReplacesAndMissingIsNotFound() async throws {
    let repository = try SQLiteStorage(directory: temporaryDirectory()).identities
    let original = try identity("billing")
    try await repository.create(original)
    let suspended = try original.transitioned(to: .suspended, at: Date(timeIntervalSince1970: 1_800_000_100))
    try await repository.update(suspended)
    #expect(try await repository.get(id: original.id)?.status == .suspended)
    await #expect(throws: StoreError.self) { try await repository.update(try identity("ghost")) }
}

@Test func corruptedDatabaseFileIsRefusedWithoutBeingTouched() throws {
    let directory = temporaryDirectory()
    let path = directory + "/" + SQLiteStorage.fileName
    let garbage = Data((0..<8192).map { UInt8(truncatingIfNeeded: $0 &* 31) })
    #expect(FileManager.default.createFile(atPath: path, contents: garbage))
    #expect(throws: StoreError.self) { try SQLiteStorage(directory: directory) }
    #expect(FileManager.default.contents(atPath: path) == garbage)
}

@Test func replayKeysAndRevocationsExpire() async throws {
    let database = try SQLiteStorage(directory: temporaryDirectory())
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    try await database.tokenState.revoke(jti: "t1", expiresAt: now.addingTimeInterval(60), reason: "r", at: now)
    try await database.tokenState.revoke(jti: "t1", expiresAt: now.addingTimeInterval(60), reason: "again", at: now)
    #expect(try await database.tokenState.isRevoked(jti: "t1"))
    #expect(!(try await database.tokenState.isRevoked(jti: "t2")))
    try await database.tokenState.purgeExpired(now: now.addingTimeInterval(61))
    #expect(!(try await database.tokenState.isRevoked(jti: "t1")))
}

@Test func aRowWithASPIFFEIDThisVersionRefusesIsReportedAsCorruptNamingTheRow() async throws {
    // E.g. `spiffe://example.org./x`, which an earlier build accepted for a federated domain.
    let database = try SQLiteStorage(directory: temporaryDirectory())
    try await database.identities.create(try identity("lookalike"))
    try await database.pool.write { db in
        try db.execute(sql: "UPDATE identities SET spiffe_id = 'spiffe://example.org./x' WHERE id = 'nhi_lookalike'")
    }
    let error = await #expect(throws: StoreError.self) { try await database.identities.list(IdentityFilter()) }
    #expect(error?.code == .corrupted)
    #expect(error?.reason.contains("nhi_lookalike") == true)
}
