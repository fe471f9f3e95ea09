import Foundation
import Logging
import TesseraAudit
import TesseraCore
import TesseraCrypto
import TesseraStore

/// The trust domain's JWT signing keys (access tokens and JWT-SVIDs): listing, rotation, and promotion of
/// pre-published keys. Every change is audited and reaches the other servers over the cluster event bus.
struct SigningKeyService: Sendable {
    let database: any TesseraStorage
    let kek: KeyEncryptionKey
    let keys: KeyRing
    let audit: AuditLog
    let clock: any TimeSource
    let configuration: SigningKeyConfiguration
    /// Re-reads the JWT-SVID keys into the trust-domain state (and the token endpoint's JWT-SVID key source).
    let reloadJWTSVIDKeys: @Sendable () async throws -> Void
    /// Tells the other servers (cluster event bus).
    let onChange: @Sendable () async -> Void

    /// One key as listed (public metadata only).
    struct Item: Encodable, Sendable {
        let kid: String
        let purpose: String
        let algorithm: String
        let status: String
        let createdAt: Date
        /// When a `next` key starts signing.
        let activeAt: Date?
        enum CodingKeys: String, CodingKey {
            case kid, purpose, algorithm, status
            case createdAt = "created_at"
            case activeAt = "active_at"
        }
    }

    func list(purpose: SigningKeyPurpose?) async throws -> [Item] {
        var items: [Item] = []
        for candidate in SigningKeyPurpose.allCases where purpose == nil || purpose == candidate {
            for key in try await database.signingKeys.keys(purpose: candidate.rawValue) {
                items.append(
                    Item(
                        kid: key.kid, purpose: candidate.label, algorithm: key.algorithm, status: key.status,
                        createdAt: key.createdAt,
                        activeAt: key.status == "next"
                            ? key.createdAt.addingTimeInterval(TimeInterval(configuration.prepublish)) : nil))
            }
        }
        return items
    }

    /// Rotates the key of `purpose` (see `SigningKeyLifecycle.rotate`), audited as `keys.rotated`.
    func rotate(
        purpose: SigningKeyPurpose, algorithm: JWSAlgorithm?, immediate: Bool, actor: String
    ) async throws -> SigningKeyLifecycle.Rotation {
        let algorithm = algorithm ?? configuration.algorithm(for: purpose)
        guard SigningKey.supportedAlgorithms.contains(algorithm) else {
            throw ProblemDetails.badRequest("algorithm must be ES256 or RS256")
        }
        let rotation = try await SigningKeyLifecycle.rotate(
            purpose: purpose, algorithm: algorithm, immediate: immediate, prepublish: configuration.prepublish,
            database: database, kek: kek, clock: clock)
        try await applied(purpose: purpose)
        try await audit.append(Self.rotated(rotation, purpose: purpose, actor: actor, reason: nil))
        return rotation
    }

    /// The `keys.rotated` record of `rotation`.
    private static func rotated(
        _ rotation: SigningKeyLifecycle.Rotation, purpose: SigningKeyPurpose, actor: String, reason: String?
    ) -> AuditEvent {
        AuditEvent(
            type: AuditEventType.keysRotated, outcome: .success, actor: actor, subject: purpose.label, reason: reason,
            details: [
                "kid": .string(rotation.kid), "previous_kid": .string(rotation.previousKid ?? ""),
                "algorithm": .string(rotation.algorithm.rawValue), "immediate": .bool(rotation.immediate),
                "active_at": .int(Int64(rotation.activeAt.timeIntervalSince1970)),
            ])
    }

    /// Promotes every pre-published key that is due, audited as `keys.promoted`; the promoted `kid`s.
    @discardableResult
    func promoteDue() async throws -> [String] {
        var promoted: [String] = []
        for purpose in SigningKeyPurpose.allCases {
            guard
                let result = try await SigningKeyLifecycle.promoteDue(
                    purpose: purpose, prepublish: configuration.prepublish, database: database, clock: clock)
            else { continue }
            try await applied(purpose: purpose)
            try await audit.append(
                AuditEvent(
                    type: AuditEventType.keysPromoted, outcome: .success, actor: "system", subject: purpose.label,
                    details: ["kid": .string(result.kid), "previous_kid": .string(result.previous ?? "")]))
            promoted.append(result.kid)
        }
        return promoted
    }

    /// At start-up: schedules a rotation to a newly configured algorithm, then promotes what is due.
    func reconcile(logger: Logger) async throws {
        for purpose in SigningKeyPurpose.allCases {
            guard
                let rotation = try await SigningKeyLifecycle.reconcileAlgorithm(
                    purpose: purpose, configuration: configuration, database: database, kek: kek, clock: clock)
            else { continue }
            logger.notice(
                "\(purpose.label) signing key: \(rotation.algorithm.rawValue) configured; key \(rotation.kid) published now, signs from \(rotation.activeAt)"
            )
            try await applied(purpose: purpose)
            try await audit.append(
                Self.rotated(rotation, purpose: purpose, actor: "system", reason: "configured algorithm changed"))
        }
        try await promoteDue()
    }

    /// Promotes due keys every `promotionCheckInterval` seconds, as a service of the server's group.
    func promotion(logger: Logger) -> PeriodicService {
        PeriodicService(
            name: "signing-key promotion check", interval: .seconds(configuration.promotionCheckInterval), logger: logger
        ) { try await promoteDue() }
    }

    /// Serves the changed key set of `purpose` here and tells the other servers.
    private func applied(purpose: SigningKeyPurpose) async throws {
        switch purpose {
        case .accessToken:
            try await Bootstrap.reload(keys, database: database, kek: kek)
        case .jwtSVID:
            _ = try await database.spiffe.nextBundleSequence()
            try await reloadJWTSVIDKeys()
        }
        await onChange()
    }
}
