import Foundation
import TesseraAudit
import TesseraCore
import TesseraStore
import Testing

@testable import TesseraPosture

/// The digest gives the same answer however it was built: in one pass, split across threads, persisted and
/// continued incrementally. A digest that no longer matches the log is ignored.
@Suite struct AuditDigestTests {
    /// Everything the detectors read, as sorted lines keyed by strings (ids differ between builds).
    static func summary(_ state: DigestState) -> [String] {
        var lines: [String] = []
        for subject in 0..<Int32(state.profiles.count) {
            let p = state.profiles[Int(subject)]
            let name = state.subjects.string(subject)
            lines.append(
                "\(name) issued=\(p.issued) first=\(p.firstIssued) last=\(p.lastIssued)@\(p.lastIssuedSeq) ttl=\(p.longestTTL)@\(p.longestTTLSeq) act=\(p.deepestDelegation)"
            )
            for kind in [SightingKind.scope, .source, .audience] {
                state.forEachSighting(subject, kind) { s in
                    lines.append(
                        "\(name) \(kind) \(state.values.string(s.value)) \(s.count) \(s.first)@\(s.firstSeq) \(s.last)@\(s.lastSeq) before=\(s.issuedBefore)"
                    )
                }
            }
            let activity = state.activity(subject, fromHour: 0, toHour: .max, limit: 100)
            lines.append("\(name) activity \(activity.issued) \(activity.refused) \(activity.seqs)")
        }
        for (key, aggregate) in state.violations {
            lines.append(
                "violation \(key.kind) \(state.subjects.string(key.subject)) \(key.value < 0 ? "" : state.values.string(key.value)) \(aggregate.count) \(aggregate.seqs)"
            )
        }
        for (jti, entry) in state.exchanges {
            lines.append("exchange \(jti) \(state.subjects.string(entry.subject)) \(entry.count) \(entry.seqs)")
        }
        for (sink, mark) in state.sinks { lines.append("sink \(sink) \(mark)") }
        return lines.sorted()
    }

    @Test func parallelPiecesMergeToTheSinglePassDigest() async throws {
        let fixture = try await EstateFixture.load()
        defer { fixture.remove() }
        let reader = fixture.database.postureAudit
        let now = fixture.clock.now()
        let single = try await AuditDigest.update(reader: reader, cachePath: nil, now: now, workers: 1)
        let split = try await AuditDigest.update(reader: reader, cachePath: nil, now: now, workers: 3, minimumPart: 1)
        #expect(single.folded > 1000)
        #expect(single.state.records == split.state.records)
        #expect(Self.summary(single.state) == Self.summary(split.state))
    }

    @Test func incrementalEvaluationEqualsAFullOne() async throws {
        let fixture = try await EstateFixture.load()
        defer { fixture.remove() }
        let path = fixture.directory + "/digest"
        let first = try await fixture.engine(digestPath: path).run()
        #expect(!first.incremental && first.recordsFolded == first.recordsTotal)
        #expect(FileManager.default.fileExists(atPath: path))
        // A day later: more issuances, a burst of refusals and a delegation loop.
        fixture.clock.advance(by: 86_400)
        let log = try await AuditLog(store: fixture.database.audit, clock: fixture.clock)
        let subject = EstateFixture.spiffeID("ledger")
        for _ in 0..<12 {
            try await log.append(
                AuditEvent(
                    type: "token.refused", outcome: .denied, actor: subject, subject: subject,
                    details: ["source": .string("10.0.2.5")]))
        }
        try await log.append(
            AuditEvent(
                type: "token.issued", outcome: .success, actor: subject, subject: subject,
                details: [
                    "scope": .strings(["ledger:read"]), "source": .string("10.0.2.5"),
                    "act_chain": .strings([
                        EstateFixture.spiffeID("reports"), EstateFixture.spiffeID("billing"), EstateFixture.spiffeID("reports"),
                    ]),
                ]))
        let incremental = try await fixture.engine(digestPath: path).run()
        #expect(incremental.incremental && incremental.recordsFolded == 13)
        let full = try await fixture.engine().run()
        #expect(incremental.findings == full.findings)
        #expect(full.findings.contains { $0.category == .exchangeLoop && $0.subject == subject })
        #expect(full.findings.contains { $0.category == .refusalSpike && $0.subject == subject })
        // Nothing new: nothing folded, same answer.
        let again = try await fixture.engine(digestPath: path).run()
        #expect(again.recordsFolded == 0 && again.findings == full.findings)
    }

    /// A response hold refuses the identity it holds on every retry: those refusals are Tessera's, not the identity's,
    /// and must not open a refusal-spike on it (which would keep a finding open for as long as the hold lasts). The
    /// same burst refused by a policy does; both parsers (the fast one, and the fallback for escaped strings) agree.
    @Test(arguments: [false, true]) func aResponseHoldsRefusalsAreNoRefusalSpike(escaped: Bool) async throws {
        let fixture = try await EstateFixture.load()
        defer { fixture.remove() }
        fixture.clock.advance(by: 86_400)
        let log = try await AuditLog(store: fixture.database.audit, clock: fixture.clock)
        let held = EstateFixture.spiffeID("ledger")
        let denied = EstateFixture.spiffeID("reports")
        for _ in 0..<12 {
            for (subject, version) in [(held, PolicyDecision.responseHoldVersion), (denied, "sha256:policies")] {
                try await log.append(
                    AuditEvent(
                        type: "token.refused", outcome: .denied, actor: subject, subject: subject,
                        details: [
                            "policy_version": .string(version),
                            "reason": .string(escaped ? "held \"by rule\"" : "held by rule"),
                            "source": .string("10.0.2.5"),
                        ]))
            }
        }
        let findings = try await fixture.engine().run().findings
        #expect(!findings.contains { $0.category == .refusalSpike && $0.subject == held })
        #expect(findings.contains { $0.category == .refusalSpike && $0.subject == denied }, "control: a policy's refusals count")
    }

    @Test func aDigestThatNoLongerMatchesTheLogIsIgnored() async throws {
        let fixture = try await EstateFixture.load()
        defer { fixture.remove() }
        let path = fixture.directory + "/digest"
        let reader = fixture.database.postureAudit
        let built = try await AuditDigest.update(reader: reader, cachePath: nil, now: fixture.clock.now())
        var forged = built.state
        forged.lastHash = String(repeating: "0", count: 64)
        try DigestCodec.encode(forged).write(to: URL(fileURLWithPath: path))
        let reread = try await AuditDigest.update(reader: reader, cachePath: path, now: fixture.clock.now())
        #expect(!reread.incremental && reread.folded == built.folded)
        // Round trip, then damage: a truncated or corrupted file decodes to nothing (or to a consistent digest).
        let data = DigestCodec.encode(built.state)
        let decoded = try #require(DigestCodec.decode(data))
        #expect(Self.summary(decoded) == Self.summary(built.state))
        #expect(DigestCodec.decode(data.prefix(data.count - 3)) == nil)
        var corrupted = data
        for offset in stride(from: 40, to: corrupted.count, by: 997) { corrupted[offset] ^= 0x5A }
        if let damaged = DigestCodec.decode(corrupted) { #expect(DigestCodec.valid(damaged)) }
        #expect(DigestCodec.decode(Data("not a digest".utf8)) == nil)
    }
}
