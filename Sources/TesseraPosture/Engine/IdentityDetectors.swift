import Foundation
import TesseraCore
import TesseraPolicy
import TesseraStore

/// Detectors that look at one identity: its inventory record, its owner, and what the digest shows about it.
struct IdentityDetectors {
    let now: Date
    let thresholds: PostureThresholds
    let departedOwners: Set<String>
    let digest: DigestState
    let policies: LeastPrivilegePolicy.Generator

    private var recentHour: Int32 { DigestState.hour(now.timeIntervalSince1970 - 86_400) }
    private var baselineHour: Int32 { DigestState.hour(now.timeIntervalSince1970 - 8 * 86_400) }

    func findings(for identity: InventoryRow) -> [Finding] {
        guard identity.status != .retired else { return [] }
        let subject = digest.subjectID(identity.clientID)
        var out: [Finding] = []
        out += lifecycle(identity, subject)
        if let subject { out += usage(identity, subject) }
        return out
    }

    private func finding(
        _ category: FindingCategory, _ identity: InventoryRow, _ title: String, _ evidence: [Evidence],
        discriminator: String = "",
        severity: Severity? = nil, suggestion: LeastPrivilegeSuggestion? = nil
    ) -> Finding {
        Finding(
            category: category, identityID: identity.id, subject: identity.clientID, discriminator: discriminator, title: title,
            evidence: evidence, severity: severity, suggestion: suggestion)
    }

    private func days(_ count: Int) -> TimeInterval { TimeInterval(count) * 86_400 }

    func lifecycle(_ identity: InventoryRow, _ subject: Int32?) -> [Finding] {
        var out: [Finding] = []
        let profile = subject.map { digest.profiles[Int($0)] }
        // Trim only when needed: Foundation's trimming is slow, and a million owners are read per evaluation.
        let edges = [identity.owner.utf8.first, identity.owner.utf8.last]
        let owner =
            edges.contains { $0 == 32 || $0 == 9 || ($0 ?? 0) >= 0x80 }
            ? identity.owner.trimmingCharacters(in: .whitespaces) : identity.owner
        if owner.isEmpty || departedOwners.contains(owner) {
            let why = owner.isEmpty ? "has no owner" : "is owned by \(owner), who has departed"
            out.append(
                finding(
                    .orphaned, identity, "\(identity.clientID) \(why)", [.inventory("owner: \(owner.isEmpty ? "(none)" : owner)")]
                ))
        }
        if identity.status == .active, let expiresAt = identity.expiresAt, expiresAt <= now {
            out.append(
                finding(
                    .expired, identity, "\(identity.clientID) expired at \(ISO8601.format(expiresAt)) but is still active",
                    [.inventory("expires_at: \(ISO8601.format(expiresAt)); status: active")]))
        }
        if let reviewBy = identity.reviewBy, reviewBy <= now {
            out.append(
                finding(
                    .reviewOverdue, identity, "\(identity.clientID) was due for review on \(ISO8601.format(reviewBy))",
                    [.inventory("review_by: \(ISO8601.format(reviewBy))")]))
        }
        let staleBefore = now.timeIntervalSince1970 - days(thresholds.staleDays)
        let lastIssued = profile.map(\.lastIssued).flatMap { $0.isNaN ? nil : $0 }
        if identity.status == .active, identity.createdAt.timeIntervalSince1970 <= staleBefore,
            (lastIssued ?? -.infinity) < staleBefore
        {
            var evidence: [Evidence] = [.inventory("created_at: \(ISO8601.format(identity.createdAt))")]
            if let lastIssued, let seq = profile?.lastIssuedSeq {
                evidence.append(.audit(seq, "last issuance at \(ISO8601.format(Date(timeIntervalSince1970: lastIssued)))"))
            } else {
                evidence.append(.inventory("no token issuance in the audit log"))
            }
            out.append(
                finding(.stale, identity, "\(identity.clientID) obtained no credential in \(thresholds.staleDays) days", evidence)
            )
        }
        if let ttl = identity.tokenTTL, ttl > thresholds.maximumTokenTTL {
            out.append(
                finding(
                    .longLivedToken, identity, "\(identity.clientID) is configured for \(ttl)-second tokens",
                    [.inventory("token_ttl: \(ttl) (policy maximum \(thresholds.maximumTokenTTL))")], discriminator: "configured")
            )
        } else if let profile, profile.longestTTL > thresholds.maximumTokenTTL {
            out.append(
                finding(
                    .longLivedToken, identity, "\(identity.clientID) was issued a \(profile.longestTTL)-second token",
                    [
                        .audit(
                            profile.longestTTLSeq,
                            "token lifetime \(profile.longestTTL) s (policy maximum \(thresholds.maximumTokenTTL))")
                    ],
                    discriminator: "observed"))
        }
        return out
    }

    func usage(_ identity: InventoryRow, _ subject: Int32) -> [Finding] {
        let profile = digest.profiles[Int(subject)]
        var out: [Finding] = []
        let windowStart = now.timeIntervalSince1970 - days(thresholds.usageWindowDays)
        if let over = overPrivilege(identity, subject, profile, windowStart: windowStart) { out.append(over) }
        out += drift(identity, subject, profile)
        var recentSources: [(String, Int64)] = []
        digest.forEachSighting(subject, .source) { sighting in
            if sighting.last >= windowStart { recentSources.append((digest.values.string(sighting.value), sighting.lastSeq)) }
        }
        if recentSources.count > thresholds.maximumSources {
            let evidence = recentSources.sorted { $0.0 < $1.0 }.prefix(thresholds.evidenceLimit).map {
                Evidence.audit($0.1, "source \($0.0)")
            }
            out.append(
                finding(
                    .sharedSPIFFEID, identity, "\(identity.clientID) was used from \(recentSources.count) source networks",
                    Array(evidence)))
        }
        let recent = digest.activity(subject, fromHour: recentHour, toHour: .max)
        let baseline = digest.activity(subject, fromHour: baselineHour, toHour: recentHour)
        let baselineDaily = Double(baseline.refused) / 7
        if recent.refused >= thresholds.refusalSpikeMinimum,
            Double(recent.refused) > thresholds.refusalSpikeFactor * baselineDaily
        {
            out.append(
                finding(
                    .refusalSpike, identity,
                    "\(identity.clientID) was refused \(recent.refused) times in 24 hours (daily average before: \(String(format: "%.1f", baselineDaily)))",
                    recent.seqs.map { .audit($0, "token refused") }))
        }
        if profile.deepestDelegation > thresholds.maximumDelegationDepth {
            out.append(
                finding(
                    .delegationDepth, identity,
                    "\(identity.clientID) acted through a \(profile.deepestDelegation)-deep delegation chain",
                    [.audit(profile.deepestDelegationSeq, "act chain depth \(profile.deepestDelegation)")]))
        }
        return out
    }

    /// New source networks and audiences (against a baseline that predates the drift window), and an issuance
    /// rate far above the identity's own daily baseline.
    func drift(_ identity: InventoryRow, _ subject: Int32, _ profile: DigestProfile) -> [Finding] {
        var out: [Finding] = []
        let driftStart = now.timeIntervalSince1970 - days(thresholds.driftWindowDays)
        if !profile.firstIssued.isNaN, profile.firstIssued < driftStart {
            for (kind, label) in [(SightingKind.source, "source"), (.audience, "audience")] {
                var fresh: [(String, DigestSighting)] = []
                digest.forEachSighting(subject, kind) { sighting in
                    if sighting.first >= driftStart, sighting.issuedBefore >= thresholds.driftMinimumBaseline {
                        fresh.append((digest.values.string(sighting.value), sighting))
                    }
                }
                for (value, sighting) in fresh.sorted(by: { $0.0 < $1.0 }) {
                    let first = ISO8601.format(Date(timeIntervalSince1970: sighting.first))
                    out.append(
                        finding(
                            .contextDrift, identity, "\(identity.clientID) requested from a new \(label) \(value)",
                            [
                                .audit(
                                    sighting.firstSeq,
                                    "first \(label) \(value) at \(first), after \(sighting.issuedBefore) issuances")
                            ],
                            discriminator: "\(label)\u{0}\(value)"))
                }
            }
        }
        let baselineStart = now.timeIntervalSince1970 - 8 * 86_400
        if !profile.firstIssued.isNaN, profile.firstIssued <= baselineStart {
            let recent = digest.activity(subject, fromHour: recentHour, toHour: .max).issued
            let daily = Double(digest.activity(subject, fromHour: baselineHour, toHour: recentHour).issued) / 7
            if recent >= thresholds.rateSpikeMinimum, Double(recent) > thresholds.rateSpikeFactor * max(daily, 1) {
                out.append(
                    finding(
                        .contextDrift, identity,
                        "\(identity.clientID) obtained \(recent) credentials in 24 hours (its daily baseline: \(String(format: "%.1f", daily)))",
                        [.audit(profile.lastIssuedSeq, "latest of \(recent) issuances in the last 24 hours")],
                        discriminator: "rate"))
            }
        }
        return out
    }

    func overPrivilege(_ identity: InventoryRow, _ subject: Int32, _ profile: DigestProfile, windowStart: Double) -> Finding? {
        guard identity.status == .active, identity.createdAt.timeIntervalSince1970 <= windowStart, !profile.lastIssued.isNaN,
            profile.lastIssued >= windowStart
        else { return nil }
        var keep: [String] = []
        var unused: [String] = []
        var evidence: [Evidence] = [.inventory("granted scopes: \(identity.scopes.sorted().joined(separator: " "))")]
        for scope in Set(identity.scopes).sorted() {
            var used: DigestSighting?
            if let value = digest.values.lookup(scope) {
                let key = DigestSighting.key(.scope, value)
                digest.forEachSighting(subject, .scope) { if $0.key == key && $0.last >= windowStart { used = $0 } }
            }
            if let used {
                keep.append(scope)
                if keep.count <= thresholds.evidenceLimit {
                    evidence.append(.audit(used.lastSeq, "scope \(scope) issued \(used.count) time(s)"))
                }
            } else {
                unused.append(scope)
            }
        }
        guard !unused.isEmpty else { return nil }
        return finding(
            .overPrivilege, identity,
            "\(identity.clientID) never used \(unused.joined(separator: ", ")) in \(thresholds.usageWindowDays) days",
            evidence, discriminator: unused.joined(separator: " "),
            suggestion: policies.suggestion(spiffeID: identity.clientID, keep: keep, remove: unused))
    }
}
