import ArgumentParser
import Foundation
import TesseraAudit
import TesseraCore
import TesseraPolicy
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
    @Flag(help: "Only measure what recording the input adds per decision (encode, record body, hash, MAC), in µs.")
    var measure = false

    func run() async throws {
        try FileManager.default.createDirectory(atPath: dataDir, withIntermediateDirectories: true)
        let (kek, _) = try KEKLoader.load(file: nil, environment: [:], dataDirectory: dataDir, development: true)
        let sealing = AuditSealing(
            keyring: AuditKeyring(rootKey: kek.derivedKey(purpose: AuditKeyring.kekPurpose)), writer: "bench-replay-seed")
        let store = try SQLiteStorage(directory: dataDir).audit
        let templates = try await Self.decisions(identities: max(1, identities))
        if measure { return try Self.measure(templates, sealing: sealing) }
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

    /// The cost recording an input adds to one decision: encoding it, and making the audit record (canonical body,
    /// SHA-256, HMAC) with it rather than without it.
    static func measure(_ templates: [SeedDecision], sealing: AuditSealing) throws {
        let inputs = try templates.compactMap { try $0.decision.input.map(DecisionInput.parse) }
        let rounds = 200_000
        func time(_ body: () throws -> Void) rethrows -> Double {
            let start = ContinuousClock.now
            try body()
            let elapsed = ContinuousClock.now - start
            return (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18) * 1e6 / Double(rounds)
        }
        var bytes = 0
        let encode = time { for index in 0..<rounds { bytes &+= inputs[index % inputs.count].json.utf8.count } }
        let now = Date()
        func make(_ stripped: Bool) throws -> Double {
            try time {
                for index in 0..<rounds {
                    var event = templates[index % templates.count].event(index: index, time: now)
                    if stripped {
                        var details = event.details
                        details["decision_input"] = nil
                        event = AuditEvent(
                            type: event.type, outcome: event.outcome, actor: event.actor, subject: event.subject,
                            reason: event.reason, details: details)
                    }
                    _ = try AuditRecord.make(seq: 1, prevHash: AuditRecord.genesisHash, time: now, event: event, sealing: sealing)
                }
            }
        }
        let without = try make(true)
        let with = try make(false)
        print(
            String(
                format:
                    "encode input %.2f µs (%d bytes avg); audit record without input %.2f µs, with %.2f µs: +%.2f µs per decision",
                encode, bytes / rounds, without, with, encode + with - without))
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
