import Foundation
import TesseraCore
import TesseraStore

/// Detectors over identities found outside Tessera (docs/discovery.md, "Findings"). Each finding cites the source's
/// evidence (`discovery` evidence) and is keyed on the external id, so it stays the same finding across runs.
struct DiscoveryDetectors {
    let now: Date
    let thresholds: PostureThresholds

    /// Findings for every identity still present in its source, and for the facts about each source's latest run.
    func findings(_ identities: [DiscoveredIdentity], runs: [DiscoveryRun]) -> [Finding] {
        var out: [Finding] = []
        for identity in identities where identity.status != .gone { out += findings(for: identity) }
        for run in runs {
            for fact in run.sourceFindings where fact.lowercased().contains("audit") {
                out.append(
                    Finding(
                        category: .unauditedSource, identityID: nil, subject: run.scope, title: "\(run.scope): \(fact)",
                        evidence: [Self.evidence("\(run.source) run \(run.id) at \(ISO8601.format(run.finishedAt)): \(fact)")]))
            }
        }
        return out
    }

    func findings(for identity: DiscoveredIdentity) -> [Finding] {
        let observation = identity.observation
        let label = "\(identity.source) \(observation.kind) \(observation.name)"
        var out: [Finding] = []
        func add(_ category: FindingCategory, _ title: String, _ evidence: [String], discriminator: String = "") {
            out.append(
                Finding(
                    category: category, identityID: identity.id, subject: identity.externalID, discriminator: discriminator,
                    title: title, evidence: evidence.prefix(thresholds.evidenceLimit).map(Self.evidence)))
        }
        if identity.claim == nil {
            add(.unowned, "\(label) has no owner", ["found \(ISO8601.format(identity.discoveredAt)); nobody has claimed it"])
        }
        if !observation.privileged.isEmpty {
            add(.privilegedAccount, "\(label) is privileged: \(observation.privileged[0])", observation.privileged)
        }
        if let risks = observation.attributes["trust_risk"], !risks.isEmpty {
            let lines = risks.components(separatedBy: "; ")
            add(.broadTrust, "\(label) can be assumed too broadly: \(lines[0])", lines)
        }
        if !observation.interactiveUse.isEmpty {
            add(.humanUse, "\(label) is used interactively by a person", observation.interactiveUse)
        }
        for credential in observation.credentials where credential.isLive(at: now) {
            credentialFindings(credential, label: label, add: add)
        }
        if observation.usageKnown {
            if let last = observation.lastUsedAt {
                let days = wholeDays(since: last)
                if days > thresholds.discoveryUnusedDays {
                    add(.unused, "\(label) has not been used for \(days) days", ["last used \(ISO8601.format(last))"])
                }
            } else {
                let since = observation.createdAt ?? identity.discoveredAt
                if wholeDays(since: since) >= thresholds.discoveryUnusedDays {
                    add(.unused, "\(label) has never been used", ["no recorded use; exists since \(ISO8601.format(since))"])
                }
            }
        }
        if let target = identity.migratedTo {
            let live = observation.credentials.filter { $0.isLive(at: now) }
            if !live.isEmpty {
                add(
                    .supersededCredential, "\(label) was migrated to \(target) but its old credential still works",
                    live.map { "\($0.kind) \($0.reference) is \($0.status ?? "live")" })
            }
        }
        return out
    }

    private func credentialFindings(
        _ credential: DiscoveredCredential, label: String,
        add: (FindingCategory, String, [String], String) -> Void
    ) {
        let name = "\(credential.kind) \(credential.reference)"
        if credential.kind == "static-secret" {
            if let created = credential.createdAt, wholeDays(since: created) > thresholds.secretRotationDays {
                add(
                    .unrotatedSecret, "\(label): not rotated for \(wholeDays(since: created)) days",
                    ["current version written \(ISO8601.format(created))"], credential.reference)
            }
            return
        }
        if credential.expiryKnown, credential.expiresAt == nil, credential.kind != "ssh-key" {
            var evidence = ["\(name) does not expire"]
            evidence += credential.details.sorted { $0.key < $1.key }.prefix(3).map { "\($0.key): \($0.value)" }
            add(.longLivedCredential, "\(label): \(credential.kind) never expires", evidence, credential.reference)
        } else if let created = credential.createdAt, wholeDays(since: created) > thresholds.credentialMaximumAgeDays {
            add(
                .longLivedCredential, "\(label): \(credential.kind) is \(wholeDays(since: created)) days old",
                ["\(name) created \(ISO8601.format(created))"], credential.reference)
        }
    }

    private func wholeDays(since date: Date) -> Int { max(0, Int(now.timeIntervalSince(date) / 86_400)) }

    static func evidence(_ detail: String) -> Evidence { Evidence(kind: "discovery", detail: detail) }
}
