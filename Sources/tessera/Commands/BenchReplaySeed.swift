import ArgumentParser
import Foundation
import TesseraAudit
import TesseraCore
import TesseraServer
import TesseraStore

/// Seeds a SQLite data folder with recorded decisions for `scripts/bench/policy-replay`: real decisions of the
/// built-in policies (their `decision_input` made by the server's authorizer) over a mix of identities, chained,
/// hashed and MAC'd with the folder's development KEK exactly as a server writes them, in large transactions.
struct BenchReplaySeed: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay-seed", abstract: "Write N token decision records into a new SQLite data folder.")

    @Option(name: .customLong("data-dir"), help: "A new data folder.") var dataDir: String
    @Option(help: "Decision records to write.") var count: Int = 1_000_000
    @Option(help: "Distinct identities.") var identities: Int = 1_000
    @Option(help: "Records per transaction.") var batch: Int = 20_000

    func run() async throws {
        try FileManager.default.createDirectory(atPath: dataDir, withIntermediateDirectories: true)
        let (kek, _) = try KEKLoader.load(file: nil, environment: [:], dataDirectory: dataDir, development: true)
        let sealing = AuditSealing(
            keyring: AuditKeyring(rootKey: kek.derivedKey(purpose: AuditKeyring.kekPurpose)), writer: "bench-replay-seed")
        let store = try SQLiteStorage(directory: dataDir).audit
        let templates = try await Self.decisions(identities: max(1, identities))
        let now = Date()
        let span: TimeInterval = 6 * 86_400
        let began = ContinuousClock.now
        var head = try await store.recordedHead()
        var written = 0
        while written < count {
            let size = min(batch, count - written)
            var records: [AuditRecord] = []
            records.reserveCapacity(size)
            for offset in 0..<size {
                let index = written + offset
                let time = now.addingTimeInterval(-span + span * Double(index) / Double(count))
                let record = try AuditRecord.make(
                    seq: (head?.seq ?? 0) + 1, prevHash: head?.hash ?? AuditRecord.genesisHash, time: time,
                    event: templates[index % templates.count].event(index: index, time: time), sealing: sealing,
                    sealsHead: offset == size - 1)
                head = AuditHead(seq: record.seq, hash: record.hash)
                records.append(record)
            }
            try await store.append(records)
            written += size
        }
        let elapsed = ContinuousClock.now - began
        print("seeded \(written) decision records in \(elapsed) into \(dataDir)")
    }

    /// One recorded decision per identity, made by the server's authorizer over the built-in policies.
    static func decisions(identities count: Int) async throws -> [SeedDecision] {
        let authorizer = CedarIssuanceAuthorizer(engine: try PolicyEngine(directory: nil), defaultAudiences: ["api"])
        let environments = ["prod", "staging", "dev"]
        var result: [SeedDecision] = []
        for number in 0..<count {
            let now = Date()
            let identity = Identity(
                id: "id-\(number)", spiffeID: try SPIFFEID(parsing: "spiffe://example.org/svc-\(number)"), kind: .service,
                owner: number % 17 == 0 ? "" : "team-\(number % 40)@example.org", purpose: "bench",
                trustBoundary: "corp", environment: environments[number % 3],
                status: number % 10 == 9 ? .suspended : .active, scopes: ["read", "write"], audiences: ["api"],
                jwks: "{\"keys\":[]}", createdAt: now, updatedAt: now)
            let request = IssuanceRequest(
                action: "issue_token", identity: identity, requestedScopes: number % 2 == 0 ? ["read"] : ["read", "write"],
                audience: "api", grantType: "client_credentials", sourceAddress: "10.0.\(number % 250).\(number % 200 + 1)",
                time: now)
            result.append(
                SeedDecision(identity: identity, decision: await authorizer.authorize(request), scopes: request.requestedScopes))
        }
        return result
    }
}

/// A decision template the seeder stamps into many records.
struct SeedDecision: Sendable {
    let identity: Identity
    let decision: PolicyDecision
    let scopes: [String]

    func event(index: Int, time: Date) -> AuditEvent {
        var details: [String: AuditValue] = [
            "grant_type": .string("client_credentials"), "scope": .strings(scopes), "aud": .string("api"),
            "policies": .strings(decision.determiningPolicies), "policy_version": .string(decision.policySetVersion),
        ]
        if let input = decision.input { details["decision_input"] = .string(input) }
        if decision.isAllowed {
            details["jti"] = .string("bench-\(index)")
            details["exp"] = .int(Int64(time.timeIntervalSince1970) + 300)
            details["identity_id"] = .string(identity.id)
            details["source"] = .string("10.0.0.1")
            details["assertion_jti"] = .string("assertion-\(index)")
        }
        return AuditEvent(
            type: decision.isAllowed ? AuditEventType.tokenIssued : AuditEventType.tokenRefused,
            outcome: decision.isAllowed ? .success : .denied, actor: identity.clientID, subject: identity.clientID,
            reason: decision.isAllowed ? nil : decision.reasons.joined(separator: "; "), details: details)
    }
}
