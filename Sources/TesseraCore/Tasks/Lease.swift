import Foundation

/// A credential Tessera handed out: what, to whom, in which task, until when, and whether it was revoked.
public struct Lease: Sendable, Codable, Equatable {
    /// The credential's id (a token's `jti`).
    public let id: String
    /// `access_token` today; SVIDs and dynamic secrets later.
    public let kind: String
    /// The identity's SPIFFE ID.
    public let subject: String
    public let taskID: String?
    public let issuedAt: Date
    public let expiresAt: Date
    public let revokedAt: Date?
    public let revokeReason: String?

    public init(
        id: String, kind: String, subject: String, taskID: String?, issuedAt: Date, expiresAt: Date,
        revokedAt: Date? = nil, revokeReason: String? = nil
    ) {
        self.id = id
        self.kind = kind
        self.subject = subject
        self.taskID = taskID
        self.issuedAt = issuedAt
        self.expiresAt = expiresAt
        self.revokedAt = revokedAt
        self.revokeReason = revokeReason
    }
}
