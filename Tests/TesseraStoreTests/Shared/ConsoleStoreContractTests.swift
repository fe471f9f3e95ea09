import Foundation
import TesseraAudit
import TesseraCore
import Testing

@testable import TesseraStore

/// The console's paged reads: inventory pages in SPIFFE ID (byte) order with filters, prefixes and cursors,
/// and the audit timeline newest first with subject/task/type filters and bounded windows; the same on
/// SQLite and PostgreSQL.
@Suite struct ConsoleStoreContractTests {
    @Test(arguments: StorageEngine.testedEngines) func inventoryPages(_ engine: StorageEngine) async throws {
        try await withStorage(engine) { fixture in
            // Mixed case and punctuation: byte order puts "B" before "a" and "-" before "/".
            let paths = ["a/one", "a/two", "a-b", "B/upper", "payments/api", "payments/batch", "payments/web"]
            for (index, path) in paths.enumerated() {
                try await fixture.primary.identities.create(
                    Identity(
                        id: "nhi_\(index)", spiffeID: try SPIFFEID(parsing: "spiffe://example.org/\(path)"),
                        kind: path.hasPrefix("payments/b") ? .batchJob : .service, owner: index % 2 == 0 ? "alice" : "bob",
                        purpose: "p", environment: "prod", jwks: "{}", createdAt: storeEpoch, updatedAt: storeEpoch))
            }
            let reader = fixture.primary.console
            let all = try await reader.identities(ConsoleIdentityQuery(limit: 100)).map(\.spiffeID.description)
            #expect(
                all == paths.map { "spiffe://example.org/\($0)" }.sorted { Array($0.utf8).lexicographicallyPrecedes($1.utf8) })
            let first = try await reader.identities(ConsoleIdentityQuery(limit: 3))
            let rest = try await reader.identities(ConsoleIdentityQuery(after: first.last?.spiffeID.description, limit: 100))
            #expect((first + rest).map(\.spiffeID.description) == all, "the cursor continues without gaps or repeats")
            let payments = try await reader.identities(ConsoleIdentityQuery(spiffeIDPrefix: "spiffe://example.org/payments/"))
            #expect(payments.map(\.id) == ["nhi_4", "nhi_5", "nhi_6"])
            #expect(try await reader.identities(ConsoleIdentityQuery(kind: "batch-job")).map(\.id) == ["nhi_5"])
            let bob = try await reader.identities(ConsoleIdentityQuery(spiffeIDPrefix: "spiffe://example.org/a", owner: "bob"))
            #expect(bob.map(\.id) == ["nhi_1"], "a/two is bob's; a-b and a/one are alice's")
        }
    }

    /// The Overview's inventory aggregate: the same groups and counts on both engines.
    @Test(arguments: StorageEngine.testedEngines) func inventorySummary(_ engine: StorageEngine) async throws {
        try await withStorage(engine) { fixture in
            let key = #"{"keys":[{"kty":"EC","crv":"P-256","x":"a","y":"b"}]}"#
            let day: TimeInterval = 86_400
            let rows: [(IdentityKind, IdentityStatus, String?, [AuthMethod], String, Date?, Date?, TimeInterval)] = [
                (.service, .active, "prod", [.privateKeyJWT], key, nil, nil, -5 * day),
                (.service, .active, "prod", [.privateKeyJWT], key, storeEpoch.addingTimeInterval(-day), nil, -45 * day),
                (
                    .aiAgent, .suspended, nil, [.jwtSVID, .tlsClientAuth], Identity.noKeys, nil,
                    storeEpoch.addingTimeInterval(-day), 0
                ),
                (.batchJob, .active, "dev", [.federated], Identity.noKeys, nil, nil, -200 * day),
                (.service, .active, "prod", [.privateKeyJWT, .jwtSVID], key, nil, nil, -120 * day),
            ]
            for (index, row) in rows.enumerated() {
                let updated = storeEpoch.addingTimeInterval(row.7)
                try await fixture.primary.identities.create(
                    Identity(
                        id: "nhi_s\(index)", spiffeID: try SPIFFEID(parsing: "spiffe://example.org/s\(index)"), kind: row.0,
                        owner: index < 3 ? "alice" : "bob", purpose: "p", environment: row.2, expiresAt: row.6,
                        reviewBy: row.5, status: row.1, jwks: row.4, authMethods: row.3, createdAt: updated, updatedAt: updated))
            }
            let summary = try await fixture.primary.console.inventorySummary(now: storeEpoch)
            #expect(summary.total == 5)
            #expect(summary.owners == 2)
            #expect(
                Dictionary(uniqueKeysWithValues: summary.counts { [$0.kind] }) == ["service": 3, "ai-agent": 1, "batch-job": 1])
            #expect(Dictionary(uniqueKeysWithValues: summary.counts { [$0.status] }) == ["active": 4, "suspended": 1])
            #expect(Dictionary(uniqueKeysWithValues: summary.counts { [$0.environment] }) == ["prod": 3, "": 1, "dev": 1])
            #expect(
                Dictionary(uniqueKeysWithValues: summary.counts { $0.authMethods })
                    == ["private_key_jwt": 3, "jwt_svid": 2, "tls_client_auth": 1, "federated": 1])
            #expect(summary.groups.reduce(0) { $0 + $1.reviewOverdue } == 1)
            #expect(summary.groups.reduce(0) { $0 + $1.expired } == 1)
            let ages = summary.groups.reduce([0, 0, 0]) { sums, group in zip(sums, group.keysByAge).map(+) }
            #expect(ages == [1, 1, 1], "keys changed 5, 45 and 120 days ago; keyless identities are not counted")
        }
    }

    @Test(arguments: StorageEngine.testedEngines) func auditTimeline(_ engine: StorageEngine) async throws {
        try await withStorage(engine) { fixture in
            let log = try await AuditLog(store: fixture.primary.audit, clock: ManualTimeSource(storeEpoch))
            for index in 0..<30 {
                try await log.append(
                    AuditEvent(
                        type: index % 3 == 0 ? "token.issued" : "identity.updated", outcome: .success,
                        subject: "spiffe://example.org/s\(index % 2)", task: index < 10 ? "task_a" : nil))
            }
            let reader = fixture.primary.console
            let newest = try await reader.auditRecords(ConsoleAuditQuery(limit: 5))
            #expect(newest.headSeq == 30)
            #expect(newest.records.map(\.seq) == [30, 29, 28, 27, 26])
            #expect(newest.nextBefore == 26)
            let older = try await reader.auditRecords(ConsoleAuditQuery(before: 26, limit: 100))
            #expect(older.records.count == 25 && older.nextBefore == nil, "the start of the chain ends the timeline")

            let subject = try await reader.auditRecords(ConsoleAuditQuery(subject: "spiffe://example.org/s1", limit: 100))
            #expect(subject.records.map(\.seq) == stride(from: 30, through: 2, by: -2).map(Int64.init))
            let task = try await reader.auditRecords(ConsoleAuditQuery(task: "task_a", limit: 100))
            #expect(task.records.map(\.seq) == Array((1...10).reversed()))
            let tokens = try await reader.auditRecords(ConsoleAuditQuery(typePrefix: "token.", limit: 100))
            #expect(tokens.records.map(\.seq) == stride(from: 28, through: 1, by: -3).map(Int64.init))
            let windowed = try await reader.auditRecords(ConsoleAuditQuery(typePrefix: "token.", limit: 100, window: 10))
            #expect(windowed.records.map(\.seq) == [28, 25, 22], "only seq 21...30 are read")
            #expect(windowed.nextBefore == 21, "the next request continues below the window")
        }
    }
}
