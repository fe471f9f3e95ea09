import TesseraCore

/// Persistence for the inventory.
public protocol IdentityRepository: Sendable {
    /// Inserts a new identity; `conflict` if the id or SPIFFE ID exists.
    func create(_ identity: Identity) async throws
    /// Replaces an existing identity; `notFound` if absent.
    func update(_ identity: Identity) async throws
    func get(id: String) async throws -> Identity?
    func get(spiffeID: String) async throws -> Identity?
    /// A page of identities matching `filter`, ordered by id.
    func list(_ filter: IdentityFilter) async throws -> [Identity]
    /// How many identities match `filter` (ignoring pagination).
    func count(_ filter: IdentityFilter) async throws -> Int
}
