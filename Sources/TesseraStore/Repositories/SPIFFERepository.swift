import Foundation
import TesseraCore

/// Persistence for workload identity: X.509 authorities, nodes and their join tokens, registration entries,
/// federated bundles.
public protocol SPIFFERepository: Sendable {
    /// Authorities that are `active` or `published`, newest first.
    func authorities() async throws -> [StoredX509Authority]
    func insertAuthority(_ authority: StoredX509Authority) async throws
    func setAuthorityStatus(id: String, status: String) async throws

    /// Creates the node if needed (status `pending`) and stores a join token for it (by hash).
    func insertJoinToken(hash: String, nodeID: String, expiresAt: Date, createdAt: Date) async throws
    /// Marks the token used and the node active, atomically; returns the node id, or nil when the token is
    /// unknown, used, expired or its node revoked.
    func consumeJoinToken(hash: String, now: Date) async throws -> String?
    func node(id: String) async throws -> NodeRecord?
    func nodes() async throws -> [NodeRecord]
    func setNodeStatus(id: String, status: String) async throws -> Bool

    func insertEntry(_ entry: RegistrationEntry) async throws
    func entries(nodeID: String?) async throws -> [RegistrationEntry]
    func entry(id: String) async throws -> RegistrationEntry?
    func deleteEntry(id: String) async throws -> Bool

    /// Adds or updates a federation relationship (`profile` `https_web` or `https_spiffe` with the endpoint's SPIFFE ID).
    func upsertFederation(
        trustDomain: String, endpointURL: String, profile: String, endpointSPIFFEID: String?, now: Date
    ) async throws
    func recordFederationFetch(trustDomain: String, bundle: Data?, error: String?, now: Date) async throws
    func federations() async throws -> [FederationRecord]
    func deleteFederation(trustDomain: String) async throws -> Bool

    /// Increments and returns the bundle sequence number.
    func nextBundleSequence() async throws -> Int
    func bundleSequence() async throws -> Int
}

extension SPIFFERepository {
    /// Adds or updates an `https_web` federation relationship.
    public func upsertFederation(trustDomain: String, endpointURL: String, now: Date) async throws {
        try await upsertFederation(
            trustDomain: trustDomain, endpointURL: endpointURL, profile: "https_web", endpointSPIFFEID: nil, now: now)
    }
}
