import Foundation
import TesseraCore

/// Something that happened and must be recorded: an issuance, a refusal, a revocation, an inventory change.
public struct AuditEvent: Sendable, Equatable {
    public enum Outcome: String, Sendable, Codable {
        case success
        case failure
        case denied
    }

    /// Dotted event type, e.g. `token.issued`, `token.refused`, `identity.created`.
    public let type: String
    public let outcome: Outcome
    /// Who acted: a client id, `admin:<token id>`, or `system`.
    public let actor: String?
    /// The identity the event is about (a SPIFFE ID or inventory id).
    public let subject: String?
    /// Why, for refusals and lifecycle changes. Never a secret.
    public let reason: String?
    /// The task the event belongs to, when there is one.
    public let task: String?
    /// Event-specific facts (token id, scopes, determining policies, ...).
    public let details: [String: AuditValue]
    /// A single-use key (e.g. a client assertion's `jti`) persisted in the same transaction as the record,
    /// so replay protection survives a restart without a second write.
    public let replayGuard: ReplayGuard?
    /// The credential this event hands out, recorded as a lease in the same transaction as the record.
    public let lease: Lease?
    /// A task's tool-call count, stored in the same transaction as the record (a server alone on SQLite counts in
    /// memory and persists the count with the decision that used it).
    public let callCount: ToolCallCount?

    public init(
        type: String, outcome: Outcome, actor: String? = nil, subject: String? = nil, reason: String? = nil,
        task: String? = nil, details: [String: AuditValue] = [:], replayGuard: ReplayGuard? = nil,
        lease: Lease? = nil, callCount: ToolCallCount? = nil
    ) {
        self.lease = lease
        self.callCount = callCount
        self.type = type
        self.outcome = outcome
        self.actor = actor
        self.subject = subject
        self.reason = reason
        self.task = task
        self.details = details
        self.replayGuard = replayGuard
    }
}

/// A single-use key remembered until it expires.
public struct ReplayGuard: Sendable, Equatable {
    public let key: String
    public let expiresAt: Date

    public init(key: String, expiresAt: Date) {
        self.key = key
        self.expiresAt = expiresAt
    }
}

/// How many tool calls a task has used, as of `at`: stored as the larger of this and the stored count (counts
/// persisted by concurrent decisions may commit out of order; the count never moves back).
public struct ToolCallCount: Sendable, Equatable {
    public let taskID: String
    public let calls: Int
    public let at: Date

    public init(taskID: String, calls: Int, at: Date) {
        self.taskID = taskID
        self.calls = calls
        self.at = at
    }
}

/// A JSON value in audit details.
public enum AuditValue: Sendable, Equatable, Codable {
    case string(String)
    case int(Int64)
    case bool(Bool)
    case strings([String])

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int64.self) {
            self = .int(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else {
            self = .strings(try container.decode([String].self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .string(let value): try container.encode(value)
        case .int(let value): try container.encode(value)
        case .bool(let value): try container.encode(value)
        case .strings(let value): try container.encode(value)
        }
    }
}
