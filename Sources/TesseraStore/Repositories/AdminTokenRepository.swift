import Foundation

/// An administrator credential, stored only as a SHA-256 hash.
public struct AdminTokenRecord: Sendable, Equatable {
    public let id: String
    public let tokenHash: String
    public let name: String
    public let role: String
    public let createdAt: Date

    public init(id: String, tokenHash: String, name: String, role: String, createdAt: Date) {
        self.id = id
        self.tokenHash = tokenHash
        self.name = name
        self.role = role
        self.createdAt = createdAt
    }
}

/// Persistence for admin tokens.
public protocol AdminTokenRepository: Sendable {
    func insert(_ token: AdminTokenRecord) async throws
    func find(hash: String) async throws -> AdminTokenRecord?
    func count() async throws -> Int
}
