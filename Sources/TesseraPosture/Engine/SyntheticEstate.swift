import Foundation
import TesseraAudit
import TesseraCore
import TesseraStore

/// Generates a synthetic estate for the posture benchmark: `identities` identities granted 4 scopes each,
/// and `records` audit records spread over 60 days before `now` (see `appendRecords`), written as a valid hash
/// chain in batches of 50,000 per transaction.
public enum SyntheticEstate {
    public static func generate(
        database: SQLiteStorage, identities: Int, records: Int, now: Date, seed: UInt64 = 42,
        progress: (@Sendable (String) -> Void)? = nil
    ) async throws {
        let start = now.addingTimeInterval(-60 * 86_400)
        let scopes = (0..<4).map { "svc:\($0)" }
        var batch: [Identity] = []
        for index in 0..<identities {
            let spiffe = try SPIFFEID(parsing: "spiffe://bench.invalid/w/\(index)")
            batch.append(
                Identity(
                    id: String(format: "nhi_%012x", index), spiffeID: spiffe, kind: .service,
                    owner: index % 997 == 0 ? "departed@bench.invalid" : "owner\(index % 5000)@bench.invalid", purpose: "bench",
                    environment: "prod", scopes: scopes, jwks: #"{"keys":[{"kty":"EC","crv":"P-256","x":"k\#(index)","y":"y"}]}"#,
                    createdAt: start, updatedAt: start))
            if batch.count == 10_000 {
                try await database.syntheticEstate.insert(batch)
                batch.removeAll(keepingCapacity: true)
                progress?("identities: \(index + 1)")
            }
        }
        if !batch.isEmpty { try await database.syntheticEstate.insert(batch) }
        try await appendRecords(
            database: database, identities: identities, records: records, from: start, to: now, seed: seed, progress: progress)
        try await database.posture.depart("departed@bench.invalid", identityIDs: [], at: now)
    }

    /// Appends `records` records spread evenly over `from ..< to`, continuing the hash chain: 99 % `token.issued`
    /// (1–2 of the 4 scopes, one of a few source networks per identity), 1 % `token.refused`.
    public static func appendRecords(
        database: SQLiteStorage, identities: Int, records: Int, from start: Date, to end: Date, seed: UInt64,
        progress: (@Sendable (String) -> Void)? = nil
    ) async throws {
        var random = SplitMix(seed: seed)
        let scopes = (0..<4).map { "svc:\($0)" }
        let head = try await database.audit.recordedHead()
        var seq = head?.seq ?? 0
        var prev = head?.hash ?? AuditRecord.genesisHash
        var batch: [AuditRecord] = []
        let span = end.timeIntervalSince(start)
        for index in 0..<records {
            let who = Int(random.next() % UInt64(max(identities, 1)))
            let subject = "spiffe://bench.invalid/w/\(who)"
            let time = start.addingTimeInterval(span * Double(index) / Double(max(records, 1)))
            let source = AuditValue.string("10.\(who % 200).\(random.next() % 2).7")
            let event: AuditEvent
            if random.next() % 100 == 0 {
                event = AuditEvent(
                    type: AuditEventType.tokenRefused, outcome: .denied, actor: subject, subject: subject,
                    reason: "invalid_scope: not granted",
                    details: ["error": .string("invalid_scope"), "grant_type": .string("client_credentials"), "source": source])
            } else {
                let used = who % 3 == 0 ? [scopes[0]] : [scopes[0], scopes[Int(random.next() % 4)]]
                event = AuditEvent(
                    type: AuditEventType.tokenIssued, outcome: .success, actor: subject, subject: subject,
                    details: [
                        "jti": .string(String(random.next(), radix: 36)), "scope": .strings(used),
                        "aud": .string("https://api.bench.invalid"),
                        "exp": .int(Int64(time.timeIntervalSince1970) + 300), "source": source,
                        "grant_type": .string("client_credentials"),
                    ])
            }
            seq += 1
            let record = try AuditRecord.make(seq: seq, prevHash: prev, time: time, event: event)
            prev = record.hash
            batch.append(record)
            if batch.count == 50_000 {
                try await database.audit.append(batch)
                batch.removeAll(keepingCapacity: true)
                if seq % 500_000 == 0 { progress?("records: \(seq)") }
            }
        }
        if !batch.isEmpty { try await database.audit.append(batch) }
    }

    /// A small deterministic generator (SplitMix64).
    struct SplitMix {
        var state: UInt64
        init(seed: UInt64) { state = seed }
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }
}
