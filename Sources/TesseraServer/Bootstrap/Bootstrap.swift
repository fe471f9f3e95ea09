import Foundation
import TesseraCore
import TesseraCrypto
import TesseraStore

/// First-start and every-start checks: the KEK opens this data folder, the trust domain matches, a signing
/// key exists, and an administrator can sign in.
public enum Bootstrap {
    /// What start-up produced. `newAdminToken` is set only on the very first start, and shown once.
    public struct Result: Sendable {
        public let keys: KeyRing
        public let newAdminToken: String?
        public let generatedSigningKey: Bool
    }

    static let kekCheckPlaintext = Data("tessera-kek-check-v1".utf8)

    public static func run(
        database: any TesseraStorage, kek: KeyEncryptionKey, trustDomain: String, clock: any TimeSource,
        algorithm: JWSAlgorithm = .es256
    ) async throws -> Result {
        let meta = database.metadata
        if let sealed = try await meta.value(for: "kek_check") {
            guard let data = Data(base64Encoded: sealed),
                (try? kek.open(data, context: "kek-check")) == kekCheckPlaintext
            else {
                throw ServerError(
                    .wrongKEK, "the KEK does not open this data folder (wrong KEK, or the folder was tampered with)")
            }
        } else {
            try await meta.set(try kek.seal(kekCheckPlaintext, context: "kek-check").base64EncodedString(), for: "kek_check")
        }
        if let existing = try await meta.value(for: "trust_domain") {
            guard existing == trustDomain else {
                throw ServerError(
                    .configuration, "this data folder belongs to trust domain \(existing), not \(trustDomain)")
            }
        } else {
            try await meta.set(trustDomain, for: "trust_domain")
        }

        var generated = false
        var stored = try await database.signingKeys.keys(purpose: SigningKeyPurpose.accessToken.rawValue)
        if stored.isEmpty {
            let record = try SigningKeyLifecycle.record(
                purpose: .accessToken, algorithm: algorithm, kek: kek, now: clock.now(), status: "active")
            try await database.signingKeys.insert(record)
            stored = [record]
            generated = true
        }
        let (active, published) = try keys(from: stored, kek: kek)

        var adminToken: String?
        if try await database.adminTokens.count() == 0 {
            let (token, record) = AdminAuthenticator.mint(name: "bootstrap", role: "admin", at: clock.now())
            try await database.adminTokens.insert(record)
            adminToken = token
        }
        return Result(
            keys: KeyRing(active: active, published: published), newAdminToken: adminToken, generatedSigningKey: generated)
    }

    /// The active signing key (opened with the KEK) and the public keys to publish, from stored records.
    static func keys(from stored: [StoredSigningKey], kek: KeyEncryptionKey) throws -> (SigningKey, [JWK]) {
        try SigningKeyLifecycle.published(stored, kek: kek)
    }

    /// Re-reads the signing keys from storage into `ring` (after a rotation on this or another server).
    static func reload(_ ring: KeyRing, database: any TesseraStorage, kek: KeyEncryptionKey) async throws {
        let (active, published) = try keys(from: try await database.signingKeys.keys(purpose: "jwt"), kek: kek)
        ring.replace(active: active, published: published)
    }
}
