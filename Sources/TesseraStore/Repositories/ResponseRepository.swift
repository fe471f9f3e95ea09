import Foundation

/// One automated response taken (or, in dry-run mode, that would have been): keyed so each happens once across
/// servers; a `require-approval` response is a hold on the identity until a person releases it.
public struct ResponseRecord: Sendable, Equatable {
    /// `rule|finding id` for findings, `rule|identity|signal|day` for request signals.
    public let key: String
    public let rule: String
    public let identityID: String
    public let subject: String
    public let actions: [String]
    public let dryRun: Bool
    /// Whether it holds the identity's issuance until released.
    public let hold: Bool
    public let createdAt: Date
    public let releasedAt: Date?
    public let releasedBy: String?

    public init(
        key: String, rule: String, identityID: String, subject: String, actions: [String], dryRun: Bool, hold: Bool,
        createdAt: Date, releasedAt: Date? = nil, releasedBy: String? = nil
    ) {
        self.key = key
        self.rule = rule
        self.identityID = identityID
        self.subject = subject
        self.actions = actions
        self.dryRun = dryRun
        self.hold = hold
        self.createdAt = createdAt
        self.releasedAt = releasedAt
        self.releasedBy = releasedBy
    }
}

/// Persistence for automated responses (docs/risk.md).
public protocol ResponseRepository: Sendable {
    /// Records a response unless one with its key exists; true when this call recorded it (and so acts).
    func claim(_ record: ResponseRecord) async throws -> Bool
    /// Holds not yet released (dry-run records never hold).
    func activeHolds() async throws -> [ResponseRecord]
    /// Releases every active hold of `identityID`; returns the released records.
    func release(identityID: String, by actor: String, at now: Date) async throws -> [ResponseRecord]
}
