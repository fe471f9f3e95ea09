import Foundation
import TesseraAudit
import TesseraCore
import TesseraStore

/// Generates a synthetic estate for the posture benchmark: `identities` identities granted 4 scopes each,
/// and `records` `token.issued` records spread over 60 days before `now` (each using 1–2 of the scopes,
/// from one of a few source networks), written as a valid hash chain in batches.
public enum SyntheticEstate {
    public static func generate(
        database: TesseraDatabase, identities: Int, records: Int, now: Date, seed: UInt64 = 42,
        progress: (@Sendable (String) -> Void)? = nil
    ) async throws {
        var random = SplitMix(seed: seed)
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
        var seq: Int64 = 0
        var prev = AuditRecord.genesisHash
        var records_: [AuditRecord] = []
        let span = now.timeIntervalSince(start)
        for index in 0..<records {
            let who = Int(random.next() % UInt64(max(identities, 1)))
            let time = start.addingTimeInterval(span * Double(index) / Double(max(records, 1)))
            let used = who % 3 == 0 ? [scopes[0]] : [scopes[0], scopes[Int(random.next() % 4)]]
            let event = AuditEvent(
                type: "token.issued", outcome: .success, actor: "spiffe://bench.invalid/w/\(who)",
                subject: "spiffe://bench.invalid/w/\(who)",
                details: [
                    "jti": .string(String(random.next(), radix: 36)), "scope": .strings(used), "aud": .string("https://api.bench.invalid"),
                    "exp": .int(Int64(time.timeIntervalSince1970) + 300), "source": .string("10.\(who % 200).\(random.next() % 2).7"),
                    "grant_type": .string("client_credentials"),
                ])
            seq += 1
            let record = try AuditRecord.make(seq: seq, prevHash: prev, time: time, event: event)
            prev = record.hash
            records_.append(record)
            if records_.count == 10_000 {
                try await database.audit.append(records_)
                records_.removeAll(keepingCapacity: true)
                if seq % 500_000 == 0 { progress?("records: \(seq)") }
            }
        }
        if !records_.isEmpty { try await database.audit.append(records_) }
        try await database.posture.depart("departed@bench.invalid", identityIDs: [], at: now)
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
