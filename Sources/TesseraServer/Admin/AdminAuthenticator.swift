import Crypto
import Foundation
import TesseraCore
import TesseraStore

/// Checks admin bearer tokens. Tokens are stored only as SHA-256 hashes.
public struct AdminAuthenticator: Sendable {
    /// Prefix of admin tokens, so secret scanners and humans recognise them.
    public static let tokenPrefix = "tsr_admin_"

    let repository: any AdminTokenRepository
    /// People's admin sessions (OIDC sign-in), when a human IdP is configured.
    var sessions: HumanSessions? = nil

    /// Creates a new admin token: the plaintext (shown once) and the record to store.
    public static func mint(name: String, role: String, at now: Date) -> (String, AdminTokenRecord) {
        let token = tokenPrefix + RandomToken.base64URL(bytes: 32)
        let record = AdminTokenRecord(
            id: "adm_" + RandomToken.hex(bytes: 6), tokenHash: hash(token), name: name, role: role, createdAt: now)
        return (token, record)
    }

    public static func hash(_ token: String) -> String {
        Hex.encode(SHA256.hash(data: Data(token.utf8)))
    }

    /// The principal for an `Authorization` header value, or `nil`.
    public func authenticate(authorization: String?) async throws -> AdminPrincipal? {
        guard let credential = BearerCredential.from(authorization, maximumLength: 4096) else { return nil }
        let token = credential.trimmingCharacters(in: .whitespaces)
        guard token.hasPrefix(Self.tokenPrefix) else { return try await sessions?.principal(token) }
        // Lookup by hash: the comparison happens on a digest, so timing reveals nothing about the token.
        guard let record = try await repository.find(hash: Self.hash(token)) else { return nil }
        return AdminPrincipal(tokenID: record.id, name: record.name, role: record.role)
    }
}
