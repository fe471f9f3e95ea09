import Foundation
import TesseraAudit
import TesseraCore
import TesseraStore
import TesseraTestSupport
import Testing

@testable import TesseraServer

/// An unauthenticated client flooding refusals (bad admin tokens, unsigned or unknown-client
/// assertions, bad join tokens) must not write one durable audit record per request.
@Suite(.stopsServers) struct AuditFloodAttackTests {
    static let requests = 200

    /// Sends `count` requests, eight at a time, and returns their statuses.
    static func flood(_ count: Int, _ send: @escaping @Sendable (Int) async throws -> Int) async throws -> [Int] {
        try await withThrowingTaskGroup(of: Int.self) { group in
            var statuses: [Int] = []
            for index in 0..<count {
                if index >= 8, let status = try await group.next() { statuses.append(status) }
                group.addTask { try await send(index) }
            }
            for try await status in group { statuses.append(status) }
            return statuses
        }
    }

    static func aggregates(_ records: [[String: Any]]) -> [[String: Any]] {
        records.filter { $0["type"] as? String == RefusalAggregator.eventType }.compactMap { $0["details"] as? [String: Any] }
    }

    /// Waits until the aggregated records count `expected` refusals of `type`.
    static func waitForAggregates(_ server: TestServer, type: String, expected: Int) async throws -> [[String: Any]] {
        for _ in 0..<300 {  // up to 30 s: a saturated test run delays the flush timer
            let records = try await server.auditRecords()
            let counted = aggregates(records).filter { $0["refused_type"] as? String == type }
                .reduce(0) { $0 + (($1["count"] as? Int) ?? 0) }
            if counted >= expected { return records }
            try await Task.sleep(for: .milliseconds(100))
        }
        return try await server.auditRecords()
    }

    /// Waits until `expected` refusals of `type` are counted after record `before`, expects none of them was written
    /// as its own `type` record and that the counts add up, and returns the counted records.
    static func expectCountedNotRecorded(
        _ server: TestServer, type: String, expected: Int, after before: Int, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> [[String: Any]] {
        let added = try await waitForAggregates(server, type: type, expected: expected).dropFirst(before)
        #expect(!added.contains { $0["type"] as? String == type }, "one record per refusal", sourceLocation: sourceLocation)
        let counted = aggregates(Array(added)).filter { $0["refused_type"] as? String == type }
        #expect(counted.reduce(0) { $0 + (($1["count"] as? Int) ?? 0) } == expected, sourceLocation: sourceLocation)
        return counted
    }

    @Test func floodOfUnauthenticatedRefusalsWritesCountedRecords() async throws {
        let server = try await TestServer.start { $0.listener.refusalFlushInterval = 1 }
        let before = try await server.auditRecords().count

        // The attack: bad admin tokens, garbage client assertions, bad join tokens, as fast as the server answers.
        let admin = try await Self.flood(Self.requests) { index in
            try await server.send("GET", "/v1/identities", headers: ["Authorization": "Bearer tsr_admin_forged\(index)"]).status
        }
        let assertions = try await Self.flood(Self.requests) { index in
            try await server.form(
                "/oauth2/token",
                [
                    "grant_type": "client_credentials",
                    "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                    "client_assertion": "not-a-jwt-\(index)",
                ]
            ).status
        }
        let attestations = try await Self.flood(Self.requests) { index in
            try await server.send(
                "POST", "/agent/v1/attest",
                body: try JSONSerialization.data(withJSONObject: ["join_token": "forged\(index)", "csr": "bm90IGEgQ1NS"]),
                contentType: "application/json"
            ).status
        }
        #expect(admin.allSatisfy { $0 == 401 })
        #expect(assertions.allSatisfy { $0 == 401 })
        #expect(attestations.allSatisfy { (400...401).contains($0) })

        _ = try await Self.waitForAggregates(server, type: "admin.auth_failed", expected: Self.requests)
        _ = try await Self.waitForAggregates(server, type: "token.refused", expected: Self.requests)
        let records = try await Self.waitForAggregates(server, type: "node.attestation_refused", expected: Self.requests)
        let added = records.dropFirst(before)
        // 600 refusals, a handful of records: one per (source, type, reason) and flush. How many flushes the flood
        // spans depends on the machine's load, so the bound is a ratio: on average at least ten refusals per record.
        #expect(added.count * 10 <= 3 * Self.requests, "\(added.count) records for \(3 * Self.requests) refusals")
        #expect(
            !added.contains {
                ["admin.auth_failed", "token.refused", "node.attestation_refused"].contains($0["type"] as? String)
            })
        let aggregates = Self.aggregates(Array(added))
        for type in ["admin.auth_failed", "token.refused", "node.attestation_refused"] {
            let mine = aggregates.filter { $0["refused_type"] as? String == type }
            #expect(mine.reduce(0) { $0 + (($1["count"] as? Int) ?? 0) } == Self.requests, "\(type)")
            #expect(mine.allSatisfy { $0["source"] as? String == "127.0.0.1" && $0["first_seen"] is String })
        }
        #expect(
            aggregates.contains {
                $0["reason_code"] as? String == "invalid_client" && $0["route"] as? String == "POST /oauth2/token"
            })
        #expect(aggregates.contains { $0["reason_code"] as? String == "invalid_admin_token" })
        let metrics = String(decoding: try await server.admin("GET", "/metrics").body, as: UTF8.self)
        let counter = metrics.split(separator: "\n").first {
            $0.hasPrefix("tessera_unauthenticated_refusals_total{") && $0.contains(#"type="token.refused""#)
                && $0.contains(#"reason="invalid_client""#)
        }
        #expect(counter?.hasSuffix(" \(Self.requests)") == true, "\(counter ?? "no counter")")
        let verify = try await server.admin("GET", "/v1/audit/verify")
        #expect(verify.json["intact"] as? Bool == true)
    }

    @Test func authenticatedRefusalsKeepTheirOwnRecord() async throws {
        let server = try await TestServer.start { $0.listener.refusalFlushInterval = 3600 }
        let workload = try await server.registerWorkload("flooder")
        // A valid, fresh assertion; the request is refused afterwards: each refusal keeps its record.
        for _ in 0..<3 {
            let refused = try await server.requestToken(workload) { $0["scope"] = "admin" }
            #expect(refused.status == 400)
        }
        let records = try await server.auditRecords().filter { $0["type"] as? String == "token.refused" }
        #expect(records.count == 3)
        #expect(records.allSatisfy { $0["actor"] as? String == workload.clientID })
    }

    /// Attacker finding (docs/threat-model.md): a captured assertion (used, expired, or for another audience) verifies but
    /// proves nothing; replaying it must not write one durable record per request in the victim's name.
    @Test func capturedAssertionsReplayedAreCountedNotRecorded() async throws {
        let server = try await TestServer.start { $0.listener.refusalFlushInterval = 0.2 }
        let workload = try await server.registerWorkload("victim-client")
        let used = try workload.assertion(audience: server.tokenEndpoint, now: server.clock.now())
        #expect(try await server.requestToken(workload, assertion: used).status == 200)
        let expired = try workload.assertion(audience: server.tokenEndpoint, now: server.clock.now().addingTimeInterval(-600))
        let elsewhere = try workload.assertion(audience: "https://elsewhere.example", now: server.clock.now())
        let before = try await server.auditRecords().count
        let statuses = try await Self.flood(60) { index in
            let assertion = [used, expired, elsewhere][index % 3]
            return try await server.requestToken(workload, assertion: assertion).status
        }
        #expect(statuses.allSatisfy { $0 == 401 })
        _ = try await Self.expectCountedNotRecorded(server, type: "token.refused", expected: 60, after: before)
    }

    @Test func pendingCountsAreWrittenAtShutdown() async throws {
        let server = try await TestServer.start { $0.listener.refusalFlushInterval = 3600 }
        for index in 0..<5 {
            _ = try await server.send("GET", "/v1/tasks", headers: ["Authorization": "Bearer nope\(index)"])
        }
        await server.stop()
        let database = try SQLiteStorage(directory: server.dataDirectory)
        let records = try await database.audit.records(after: 0, limit: 1000).map { try $0.content() }
        let aggregate = try #require(records.first { $0.type == RefusalAggregator.eventType })
        #expect(aggregate.details["count"] == .int(5))
        #expect(aggregate.details["refused_type"] == .string("admin.auth_failed"))
        #expect(!records.contains { $0.type == "admin.auth_failed" })
    }

    @Test func manySourcesCostABoundedNumberOfKeys() async throws {
        let directory = NSTemporaryDirectory() + "tessera-refusals-" + UUID().uuidString
        let database = try SQLiteStorage(directory: directory)
        let clock = ManualTimeSource(Date())
        let audit = try await AuditLog(store: database.audit, clock: clock)
        let aggregator = RefusalAggregator(
            audit: audit, clock: clock, metrics: ServerMetrics(), logger: .init(label: "test"), maximumKeys: 4)
        // An attacker rotating through 1,000 addresses.
        for index in 0..<1000 {
            aggregator.record(
                type: "token.refused", code: "invalid_client", reason: "unknown client",
                source: "10.0.\(index / 256).\(index % 256)",
                route: "POST /oauth2/token")
        }
        await aggregator.flush()
        let records = try await database.audit.records(after: 0, limit: 1000).map { try $0.content() }
            .filter { $0.type == RefusalAggregator.eventType }
        #expect(records.count == 5)
        let other = try #require(records.first { $0.details["source"] == .string(RefusalAggregator.overflowSource) })
        #expect(other.details["count"] == .int(996))
        #expect(aggregator.pendingCount == 0)
    }
}
