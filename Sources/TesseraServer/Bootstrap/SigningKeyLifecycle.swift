import Foundation
import TesseraCore
import TesseraCrypto
import TesseraStore

/// Generation, scheduled and immediate rotation, and promotion of the trust domain's JWT signing keys.
///
/// A scheduled rotation adds the new key as `next`: it is published (JWKS, bundle) but signs nothing until it has
/// been published for `prepublish` seconds, when any server promotes it (`active`; the old one stays `published`
/// to verify what it signed). Relying parties that cache key sets therefore never meet an unknown `kid`. An
/// immediate rotation (a suspected compromise) makes the new key sign at once. Every change runs under the
/// bootstrap lock, so servers sharing storage never rotate or promote at once.
enum SigningKeyLifecycle {
    /// A new key of `algorithm`, sealed under the KEK, as a record with `status`.
    static func record(
        purpose: SigningKeyPurpose, algorithm: JWSAlgorithm, kek: KeyEncryptionKey, now: Date, status: String
    ) throws -> StoredSigningKey {
        let key = try SigningKey.generate(algorithm: algorithm)
        return StoredSigningKey(
            kid: key.kid, algorithm: algorithm.rawValue, purpose: purpose.rawValue,
            sealedPrivateKey: try kek.seal(key.rawPrivateKey, context: "signing-key:\(key.kid)"),
            publicJWK: JWKSet(keys: [key.publicJWK]).json(), createdAt: now, status: status)
    }

    /// Opens a stored key with the KEK and checks it matches its `kid`.
    static func open(_ record: StoredSigningKey, kek: KeyEncryptionKey) throws -> SigningKey {
        guard let algorithm = JWSAlgorithm(rawValue: record.algorithm), SigningKey.supportedAlgorithms.contains(algorithm) else {
            throw ServerError(.storage, "signing key \(record.kid) has an unsupported algorithm")
        }
        let key = try SigningKey(
            rawPrivateKey: try kek.open(record.sealedPrivateKey, context: "signing-key:\(record.kid)"), algorithm: algorithm)
        guard key.kid == record.kid else { throw ServerError(.storage, "signing key does not match its kid") }
        return key
    }

    /// The active key (opened) and the public keys to publish: active first, then the next key, then the keys kept
    /// to verify what earlier keys signed. Each JWK carries `use: sig` and its own `alg`.
    static func published(_ stored: [StoredSigningKey], kek: KeyEncryptionKey) throws -> (SigningKey, [JWK]) {
        guard let activeRecord = stored.first(where: { $0.status == "active" }) else {
            throw ServerError(.storage, "no active signing key in the data folder")
        }
        let active = try open(activeRecord, kek: kek)
        let order = ["active": 0, "next": 1, "published": 2]
        let jwks = stored.filter { order[$0.status] != nil }
            .sorted { order[$0.status]! < order[$1.status]! }
            .compactMap { record -> JWK? in
                guard var jwk = try? JWKSet.parse(record.publicJWK).keys.first else { return nil }
                jwk.use = "sig"
                jwk.alg = record.algorithm
                return jwk
            }
        return (active, jwks)
    }

    /// What a rotation did.
    struct Rotation: Sendable {
        let kid: String
        let algorithm: JWSAlgorithm
        /// When the key signs (now for an immediate rotation).
        let activeAt: Date
        let previousKid: String?
        let immediate: Bool
    }

    /// Rotates the key of `purpose`: immediately, or by publishing the next key `prepublish` seconds ahead. A
    /// scheduled rotation while one is pending is refused (409) with the pending key's time.
    static func rotate(
        purpose: SigningKeyPurpose, algorithm: JWSAlgorithm, immediate: Bool, prepublish: Int, database: any TesseraStorage,
        kek: KeyEncryptionKey, clock: any TimeSource
    ) async throws -> Rotation {
        try await database.withBootstrapLock {
            let stored = try await database.signingKeys.keys(purpose: purpose.rawValue)
            let previous = stored.first { $0.status == "active" }?.kid
            let now = clock.now()
            if immediate {
                let record = try record(purpose: purpose, algorithm: algorithm, kek: kek, now: now, status: "active")
                try await database.signingKeys.rotate(to: record)
                return Rotation(kid: record.kid, algorithm: algorithm, activeAt: now, previousKid: previous, immediate: true)
            }
            if let pending = stored.first(where: { $0.status == "next" }) {
                let due = pending.createdAt.addingTimeInterval(TimeInterval(prepublish))
                throw ProblemDetails(
                    .conflict, "Conflict",
                    detail:
                        "a rotation is already pending: key \(pending.kid) signs from \(ISO8601DateFormatter().string(from: due)) "
                        + "(rotate with immediate=true to replace the signing key now)")
            }
            return try await publishNext(
                purpose: purpose, algorithm: algorithm, prepublish: prepublish, previousKid: previous, database: database,
                kek: kek, now: now)
        }
    }

    /// Adds a `next` key (published now, signing after `prepublish`); the caller holds the bootstrap lock.
    private static func publishNext(
        purpose: SigningKeyPurpose, algorithm: JWSAlgorithm, prepublish: Int, previousKid: String?,
        database: any TesseraStorage, kek: KeyEncryptionKey, now: Date
    ) async throws -> Rotation {
        let record = try record(purpose: purpose, algorithm: algorithm, kek: kek, now: now, status: "next")
        try await database.signingKeys.insert(record)
        return Rotation(
            kid: record.kid, algorithm: algorithm, activeAt: now.addingTimeInterval(TimeInterval(prepublish)),
            previousKid: previousKid, immediate: false)
    }

    /// Promotes the next key of `purpose` when it has been published for `prepublish` seconds; the promoted key's
    /// `kid` and the one it replaced, or nil when nothing was due.
    static func promoteDue(
        purpose: SigningKeyPurpose, prepublish: Int, database: any TesseraStorage, clock: any TimeSource
    ) async throws -> (kid: String, previous: String?)? {
        // Cheap check first (no lock): most calls find nothing pending.
        let stored = try await database.signingKeys.keys(purpose: purpose.rawValue)
        let now = clock.now()
        guard let pending = stored.first(where: { $0.status == "next" }),
            pending.createdAt.addingTimeInterval(TimeInterval(prepublish)) <= now
        else { return nil }
        let previous = stored.first { $0.status == "active" }?.kid
        let promoted = try await database.withBootstrapLock {
            try await database.signingKeys.promote(kid: pending.kid, purpose: purpose.rawValue)
        }
        return promoted ? (pending.kid, previous) : nil
    }

    /// At start-up: when the configured algorithm of `purpose` changed since the last start (or is recorded for the
    /// first time and differs from the active key's), schedules a rotation to it, pre-published like any other. An
    /// operator's own rotation to another algorithm (`keys rotate --algorithm`) stands until the configuration changes.
    static func reconcileAlgorithm(
        purpose: SigningKeyPurpose, configuration: SigningKeyConfiguration, database: any TesseraStorage,
        kek: KeyEncryptionKey, clock: any TimeSource
    ) async throws -> Rotation? {
        let wanted = configuration.algorithm(for: purpose)
        let recordKey = "signing_algorithm:\(purpose.rawValue)"
        return try await database.withBootstrapLock {
            let recorded = try await database.metadata.value(for: recordKey)
            guard recorded != wanted.rawValue else { return nil }
            try await database.metadata.set(wanted.rawValue, for: recordKey)
            let stored = try await database.signingKeys.keys(purpose: purpose.rawValue)
            guard let active = stored.first(where: { $0.status == "active" }), active.algorithm != wanted.rawValue,
                !stored.contains(where: { $0.status == "next" })
            else { return nil }
            return try await publishNext(
                purpose: purpose, algorithm: wanted, prepublish: configuration.prepublish, previousKid: active.kid,
                database: database, kek: kek, now: clock.now())
        }
    }
}
