import Foundation
import TesseraCore

/// Stored trusted issuers (token exchange and human sign-in).
public protocol TrustedIssuerRepository: Sendable {
    func list() async throws -> [TrustedIssuer]
    func get(issuer: String) async throws -> TrustedIssuer?
    func get(id: String) async throws -> TrustedIssuer?
    /// Stores a new issuer; `StoreError.conflict` when the issuer URL is already trusted.
    func insert(_ issuer: TrustedIssuer) async throws
    /// Removes an issuer; `false` when there was none with this id.
    func delete(id: String) async throws -> Bool
}
