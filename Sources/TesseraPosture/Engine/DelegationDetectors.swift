import Foundation
import TesseraCore

/// Detectors over event-level facts the digest collected: issuances outside a task, exchange loops, subject
/// tokens exchanged abnormally often, exceptions requested out of scope or used after expiry.
struct DelegationDetectors {
    let now: Date
    let thresholds: PostureThresholds
    let digest: DigestState
    /// Inventory id per subject id, for the subjects the findings are about.
    let identityIDs: [Int32: String]

    /// Subjects the inventory pass must resolve to identity ids.
    static func subjects(in digest: DigestState) -> Set<Int32> {
        Set(digest.violations.keys.map(\.subject)).union(digest.exchanges.values.map(\.subject))
    }

    func findings() -> [Finding] {
        var out: [Finding] = []
        for (key, aggregate) in digest.violations {
            out.append(violation(key, aggregate))
        }
        let windowStart = now.timeIntervalSince1970 - Double(thresholds.eventRetentionDays) * 86_400
        for (jti, entry) in digest.exchanges
        where entry.count > Int64(thresholds.maximumExchangesPerSubjectToken) && entry.last >= windowStart {
            let subject = digest.subjects.string(entry.subject)
            out.append(
                Finding(
                    category: .subjectTokenReuse, identityID: identityIDs[entry.subject], subject: subject, discriminator: jti,
                    title: "subject token \(jti.prefix(12))… of \(subject) was exchanged \(entry.count) times",
                    evidence: entry.seqs.map { .audit($0, "exchange of subject token \(jti.prefix(12))…") }))
        }
        return out
    }

    private func violation(_ key: ViolationKey, _ aggregate: ViolationAggregate) -> Finding {
        let subject = digest.subjects.string(key.subject)
        let value = key.value >= 0 ? digest.values.string(key.value) : ""
        let times = aggregate.count == 1 ? "once" : "\(aggregate.count) times"
        let category: FindingCategory
        let title: String
        let detail: String
        switch key.kind {
        case .taskScope:
            (category, title, detail) = (
                .agentOutsideTask, "\(subject) obtained scopes outside task \(value)", "scope outside the task"
            )
        case .taskEnded:
            (category, title, detail) = (
                .agentOutsideTask, "\(subject) obtained a credential for task \(value) after it ended",
                "issued after the task ended"
            )
        case .taskIdentity:
            (category, title, detail) = (
                .agentOutsideTask, "\(subject) obtained a credential for task \(value), which does not name it",
                "identity not in the task"
            )
        case .exchangeLoop:
            (category, title, detail) = (
                .exchangeLoop, "\(subject) appears in a delegation loop (\(times))", "act chain repeats an actor"
            )
        case .exceptionOutOfScope:
            (category, title, detail) = (
                .exceptionOutOfScope, "\(subject) asked for more than exception \(value) grants (\(times))",
                "refused outside exception \(value)"
            )
        case .exceptionExpiredUse:
            (category, title, detail) = (
                .exceptionExpired, "exception \(value) was used after it expired (\(times))", "exception used after expiry"
            )
        }
        return Finding(
            category: category, identityID: identityIDs[key.subject], subject: subject,
            discriminator: "\(key.kind.rawValue)\u{0}\(value)",
            title: title, evidence: aggregate.seqs.map { .audit($0, detail) },
            severity: key.kind == .exceptionExpiredUse ? .high : nil)
    }

    /// Exceptions close to or past expiry (from the exceptions table; not revoked).
    static func exceptions(
        _ exceptions: [PolicyException], now: Date, thresholds: PostureThresholds, identityIDs: [String: String]
    ) -> [Finding] {
        var out: [Finding] = []
        let soon = now.addingTimeInterval(Double(thresholds.exceptionWarningDays) * 86_400)
        let recently = now.addingTimeInterval(-Double(thresholds.exceptionExpiredDays) * 86_400)
        for exception in exceptions where exception.revokedAt == nil {
            let evidence: [Evidence] = [
                .inventory(
                    "exception \(exception.id) for \(exception.identity), owner \(exception.owner), expires \(ISO8601.format(exception.expiresAt))"
                ),
                .inventory("scopes: \(exception.scopes.joined(separator: " ")); uses: \(exception.uses)"),
            ]
            if exception.expiresAt > now, exception.expiresAt <= soon {
                out.append(
                    Finding(
                        category: .exceptionExpiring, identityID: identityIDs[exception.identity], subject: exception.identity,
                        discriminator: exception.id,
                        title:
                            "exception \(exception.id) for \(exception.identity) expires \(ISO8601.format(exception.expiresAt))",
                        evidence: evidence))
            } else if exception.expiresAt <= now, exception.expiresAt > recently {
                out.append(
                    Finding(
                        category: .exceptionExpired, identityID: identityIDs[exception.identity], subject: exception.identity,
                        discriminator: exception.id,
                        title:
                            "exception \(exception.id) for \(exception.identity) expired \(ISO8601.format(exception.expiresAt)) and was never closed",
                        evidence: evidence))
            }
        }
        return out
    }
}
