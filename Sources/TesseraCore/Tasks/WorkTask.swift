import Foundation

/// A unit of work with an intent, a time limit and an initiator. Every credential issued for it is a lease
/// that ends when the task ends. (Named `WorkTask` so it never shadows Swift's `Task`.)
public struct WorkTask: Sendable, Codable, Equatable {
    public enum State: String, Sendable, Codable, CaseIterable {
        case open
        case ended
        case expired
        case revoked
    }

    /// Opaque id (`task_...`).
    public let id: String
    /// What the work is for, in words.
    public let intent: String
    /// A machine-readable purpose, e.g. `billing.monthly-close`.
    public let purpose: String?
    /// Who started it: `human:<name>`, `admin:<token id>` or a SPIFFE ID.
    public let initiator: String
    /// SPIFFE IDs allowed to obtain credentials in this task.
    public let identities: [String]
    /// The most any credential in this task may carry.
    public let scopes: [String]
    public let createdAt: Date
    public let expiresAt: Date
    public let state: State
    public let endedAt: Date?
    public let endReason: String?

    public init(
        id: String, intent: String, purpose: String?, initiator: String, identities: [String], scopes: [String],
        createdAt: Date, expiresAt: Date, state: State = .open, endedAt: Date? = nil, endReason: String? = nil
    ) {
        self.id = id
        self.intent = intent
        self.purpose = purpose
        self.initiator = initiator
        self.identities = identities
        self.scopes = scopes
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.state = state
        self.endedAt = endedAt
        self.endReason = endReason
    }

    public static func newID() -> String { "task_" + RandomToken.hex(bytes: 12) }

    /// The state as of `now`: an open task past its deadline is expired.
    public func effectiveState(at now: Date) -> State {
        state == .open && now >= expiresAt ? .expired : state
    }

    /// Whether `clientID` may obtain `requestedScopes` in this task at `now`, and why not.
    public func admits(clientID: String, requestedScopes: [String], at now: Date) -> Eligibility {
        let current = effectiveState(at: now)
        guard current == .open else { return .ineligible(reason: "task \(id) is \(current.rawValue)") }
        guard identities.contains(clientID) else {
            return .ineligible(reason: "this identity is not allowed to act in task \(id)")
        }
        let outside = requestedScopes.filter { !scopes.contains($0) }
        guard outside.isEmpty else {
            return .ineligible(reason: "scope outside the task: \(outside.joined(separator: " "))")
        }
        return .eligible
    }

    /// Returns the task ended in `state` (ended or revoked) at `now`.
    public func ending(_ state: State, reason: String?, at now: Date) throws(TesseraError) -> WorkTask {
        guard self.state == .open else {
            throw TesseraError(.invalidTransition, "task \(id) is already \(self.state.rawValue)")
        }
        guard state == .ended || state == .revoked || state == .expired else {
            throw TesseraError(.invalidTransition, "a task can only end, expire or be revoked")
        }
        return WorkTask(
            id: id, intent: intent, purpose: purpose, initiator: initiator, identities: identities, scopes: scopes,
            createdAt: createdAt, expiresAt: expiresAt, state: state, endedAt: now, endReason: reason)
    }

    /// Checks a new task's fields. `maximumTTL` is the server's hard cap in seconds.
    public func validate(maximumTTL: Int) throws(TesseraError) {
        guard !intent.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, intent.utf8.count <= 1024 else {
            throw TesseraError(.invalidArgument, "intent is required (at most 1024 bytes)")
        }
        guard !identities.isEmpty, identities.count <= 64 else {
            throw TesseraError(.invalidArgument, "a task names 1 to 64 identities")
        }
        for identity in identities { _ = try SPIFFEID(parsing: identity) }
        guard scopes.count <= 256 else { throw TesseraError(.invalidArgument, "too many scopes") }
        for scope in scopes { try ScopeSet.validate(token: scope) }
        let ttl = expiresAt.timeIntervalSince(createdAt)
        guard ttl >= 1, ttl <= Double(maximumTTL) else {
            throw TesseraError(.invalidArgument, "ttl must be between 1 and \(maximumTTL) seconds")
        }
    }
}
