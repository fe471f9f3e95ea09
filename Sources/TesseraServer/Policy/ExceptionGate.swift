import Foundation
import Logging
import TesseraAudit
import TesseraCore
import TesseraStore

/// Consulted only after the policies refused a request: an active exception that covers the request lets
/// it through, flagged and audited; one that exists but does not cover it is noted in the refusal.
struct ExceptionGate: Sendable {
    let repository: any ExceptionRepository
    let audit: AuditLog
    let logger: Logger

    enum Outcome: Sendable {
        /// An active exception covers the request.
        case granted(PolicyException)
        /// The identity has active exceptions, none covering this request; the first one and why.
        case outOfScope(PolicyException, reason: String)
        case none
    }

    func check(identity: String, action: String, scopes: [String], audience: String, at now: Date) async -> Outcome {
        let active: [PolicyException]
        do {
            active = try await repository.list(identity: identity, activeAt: now, limit: 50)
        } catch {
            // Fail closed: without the store, no exception applies.
            logger.warning("exception store unavailable; treating as no exception")
            return .none
        }
        var first: (PolicyException, String)?
        for exception in active {
            switch exception.covers(action: action, scopes: scopes, audience: audience, at: now) {
            case .covered: return .granted(exception)
            case .notCovered(let reason): if first == nil { first = (exception, reason) }
            }
        }
        if let first { return .outOfScope(first.0, reason: first.1) }
        return .none
    }

    /// Writes the durable `exception.used` record for a use about to happen, then counts it.
    func recordUse(
        _ exception: PolicyException, action: String, scopes: [String], audience: String, deniedBecause reasons: [String],
        task: String?, at now: Date
    ) async throws {
        try await audit.append(
            AuditEvent(
                type: AuditEventType.exceptionUsed, outcome: .success, actor: exception.identity, subject: exception.identity,
                reason: "granted by exception \(exception.id) although policy refused: "
                    + (reasons.isEmpty ? "denied by policy" : reasons.joined(separator: "; ")).prefix(400),
                task: task,
                details: [
                    "exception": .string(exception.id), "action": .string(action), "scope": .strings(scopes),
                    "aud": .string(audience), "owner": .string(exception.owner), "flagged": .bool(true),
                    "exception_expires": .int(Int64(exception.expiresAt.timeIntervalSince1970)),
                ]))
        do {
            try await repository.recordUse(id: exception.id, at: now)
        } catch {
            logger.warning("could not count an exception use", metadata: ["exception": "\(exception.id)"])
        }
    }
}
