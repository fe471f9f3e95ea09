import Foundation
import TesseraCore
import TesseraPolicy

/// Detectors that look at one identity: its inventory record, its owner, and its usage profile.
struct IdentityDetectors {
    let now: Date
    let thresholds: PostureThresholds
    let departedOwners: Set<String>
    /// The Cedar schema generated policies are validated against.
    let schema: Schema?

    func findings(for identity: Identity, profile: UsageProfile?) -> [Finding] {
        guard identity.status != .retired else { return [] }
        var out: [Finding] = []
        out += lifecycle(identity, profile)
        out += usage(identity, profile)
        return out
    }

    private func finding(
        _ category: FindingCategory, _ identity: Identity, _ title: String, _ evidence: [Evidence], discriminator: String = "",
        severity: Severity? = nil, suggestion: LeastPrivilegeSuggestion? = nil
    ) -> Finding {
        Finding(
            category: category, identityID: identity.id, subject: identity.clientID, discriminator: discriminator, title: title,
            evidence: evidence, severity: severity, suggestion: suggestion)
    }

    private func days(_ count: Int) -> TimeInterval { TimeInterval(count) * 86_400 }

    func lifecycle(_ identity: Identity, _ profile: UsageProfile?) -> [Finding] {
        var out: [Finding] = []
        let owner = identity.owner.trimmingCharacters(in: .whitespaces)
        if owner.isEmpty || departedOwners.contains(owner) {
            let why = owner.isEmpty ? "has no owner" : "is owned by \(owner), who has departed"
            out.append(finding(.orphaned, identity, "\(identity.clientID) \(why)", [.inventory("owner: \(owner.isEmpty ? "(none)" : owner)")]))
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
        if identity.status == .active, identity.createdAt <= now.addingTimeInterval(-days(thresholds.staleDays)),
            (profile?.lastIssued ?? .distantPast) < now.addingTimeInterval(-days(thresholds.staleDays))
        {
            var evidence: [Evidence] = [.inventory("created_at: \(ISO8601.format(identity.createdAt))")]
            if let last = profile?.lastIssued, let seq = profile?.lastIssuedSeq {
                evidence.append(.audit(seq, "last issuance at \(ISO8601.format(last))"))
            } else {
                evidence.append(.inventory("no token issuance in the audit log"))
            }
            out.append(finding(.stale, identity, "\(identity.clientID) obtained no credential in \(thresholds.staleDays) days", evidence))
        }
        if let ttl = identity.tokenTTL, ttl > thresholds.maximumTokenTTL {
            out.append(
                finding(
                    .longLivedToken, identity, "\(identity.clientID) is configured for \(ttl)-second tokens",
                    [.inventory("token_ttl: \(ttl) (policy maximum \(thresholds.maximumTokenTTL))")], discriminator: "configured"))
        } else if let profile, profile.longestTTL > thresholds.maximumTokenTTL, let seq = profile.longestTTLSeq {
            out.append(
                finding(
                    .longLivedToken, identity, "\(identity.clientID) was issued a \(profile.longestTTL)-second token",
                    [.audit(seq, "token lifetime \(profile.longestTTL) s (policy maximum \(thresholds.maximumTokenTTL))")],
                    discriminator: "observed"))
        }
        return out
    }

    func usage(_ identity: Identity, _ profile: UsageProfile?) -> [Finding] {
        guard let profile else { return [] }
        var out: [Finding] = []
        let windowStart = now.addingTimeInterval(-days(thresholds.usageWindowDays))
        if let over = overPrivilege(identity, profile, windowStart: windowStart) { out.append(over) }
        let driftStart = now.addingTimeInterval(-days(thresholds.driftWindowDays))
        if profile.issuedBeforeDrift >= thresholds.driftMinimumBaseline {
            for (label, map) in [("source", profile.sources), ("audience", profile.audiences)] {
                for (value, sighting) in map.sorted(by: { $0.key < $1.key }) where sighting.first >= driftStart {
                    out.append(
                        finding(
                            .contextDrift, identity, "\(identity.clientID) requested from a new \(label) \(value)",
                            [.audit(sighting.firstSeq, "first \(label) \(value) at \(ISO8601.format(sighting.first))")],
                            discriminator: "\(label)\u{0}\(value)"))
                }
            }
        }
        let recentSources = profile.sources.filter { $0.value.last >= windowStart }
        if recentSources.count > thresholds.maximumSources {
            let evidence = recentSources.sorted { $0.key < $1.key }.prefix(thresholds.evidenceLimit).map {
                Evidence.audit($0.value.lastSeq, "source \($0.key)")
            }
            out.append(
                finding(
                    .sharedSPIFFEID, identity, "\(identity.clientID) was used from \(recentSources.count) source networks",
                    Array(evidence)))
        }
        let baselineDaily = Double(profile.baselineRefusals) / 7
        if profile.recentRefusals >= thresholds.refusalSpikeMinimum,
            Double(profile.recentRefusals) > thresholds.refusalSpikeFactor * baselineDaily
        {
            out.append(
                finding(
                    .refusalSpike, identity,
                    "\(identity.clientID) was refused \(profile.recentRefusals) times in 24 hours (daily average before: \(String(format: "%.1f", baselineDaily)))",
                    profile.recentRefusalSeqs.map { .audit($0, "token refused") }))
        }
        if profile.deepestDelegation > thresholds.maximumDelegationDepth, let seq = profile.deepestDelegationSeq {
            out.append(
                finding(
                    .delegationDepth, identity, "\(identity.clientID) acted through a \(profile.deepestDelegation)-deep delegation chain",
                    [.audit(seq, "act chain depth \(profile.deepestDelegation)")]))
        }
        return out
    }

    func overPrivilege(_ identity: Identity, _ profile: UsageProfile, windowStart: Date) -> Finding? {
        guard identity.status == .active, identity.createdAt <= windowStart, profile.lastIssued.map({ $0 >= windowStart }) == true
        else { return nil }
        let used = Set(profile.scopes.filter { $0.value.last >= windowStart }.keys)
        let granted = Set(identity.scopes)
        let unused = granted.subtracting(used).sorted()
        guard !unused.isEmpty else { return nil }
        let keep = granted.intersection(used).sorted()
        let policy: String
        do {
            policy = try LeastPrivilegePolicy.generate(
                spiffeID: identity.clientID, keep: keep, windowDays: thresholds.usageWindowDays, schema: schema)
        } catch {
            policy = "// policy generation failed: \(error)"
        }
        var evidence: [Evidence] = [.inventory("granted scopes: \(granted.sorted().joined(separator: " "))")]
        for scope in keep.prefix(thresholds.evidenceLimit) {
            if let sighting = profile.scopes[scope] { evidence.append(.audit(sighting.lastSeq, "scope \(scope) issued \(sighting.count) time(s)")) }
        }
        return finding(
            .overPrivilege, identity,
            "\(identity.clientID) never used \(unused.joined(separator: ", ")) in \(thresholds.usageWindowDays) days",
            evidence, discriminator: unused.joined(separator: " "),
            suggestion: LeastPrivilegeSuggestion(keepScopes: keep, removeScopes: unused, cedarPolicy: policy))
    }
}
