import Crypto
import Foundation
import TesseraCore
import TesseraCrypto
import TesseraStore
import X509

/// Start-up of the trust domain's workload identity: loads (or generates) the X.509 CA and the JWT-SVID key,
/// both sealed under the KEK, and rotates the CA when half of its lifetime has passed.
public enum CABootstrap {
    static let jwtPurpose = "jwt-svid"

    /// Loads the authority; `generated` lists what was created (for the start-up banner and the audit log).
    public static func run(
        database: any TesseraStorage, kek: KeyEncryptionKey, trustDomain: String, configuration: SPIFFEConfiguration,
        clock: any TimeSource, jwtAlgorithm: JWSAlgorithm = .es256
    ) async throws -> (TrustDomainAuthority, generated: [String]) {
        try configuration.validate()
        let repository = database.spiffe
        let now = clock.now()
        var generated: [String] = []
        var stored = try await repository.authorities()
        for record in stored where record.notAfter <= now {
            try await repository.setAuthorityStatus(id: record.id, status: "retired")
        }
        stored = stored.filter { $0.notAfter > now }
        let active = stored.first { $0.status == "active" }
        if active == nil || active.map({ $0.notAfter.timeIntervalSince(now) < Double(configuration.caLifetime) / 2 }) == true {
            let ca = try generate(trustDomain: trustDomain, configuration: configuration, now: now)
            let id = "ca_" + RandomToken.hex(bytes: 8)
            let record = StoredX509Authority(
                id: id, certificate: Data(try ca.certificate.derBytes()), chain: try ca.chain.map { Data(try $0.derBytes()) },
                sealedPrivateKey: try kek.seal(ca.rawPrivateKey, context: "x509-ca:\(id)"),
                notAfter: ca.certificate.notValidAfter, createdAt: now, status: "active")
            if let active { try await repository.setAuthorityStatus(id: active.id, status: "published") }
            try await repository.insertAuthority(record)
            _ = try await repository.nextBundleSequence()
            generated.append(active == nil ? "x509-ca" : "x509-ca-rotated")
        }
        if try await database.signingKeys.keys(purpose: jwtPurpose).isEmpty {
            try await database.signingKeys.insert(
                try SigningKeyLifecycle.record(purpose: .jwtSVID, algorithm: jwtAlgorithm, kek: kek, now: now, status: "active"))
            _ = try await repository.nextBundleSequence()
            generated.append("jwt-svid-key")
        }
        return (try await load(database: database, kek: kek, configuration: configuration, clock: clock), generated)
    }

    /// Reads the authority as stored, creating and changing nothing: what another server's rotation left (the
    /// cluster's `keysChanged` event and the periodic reload use it). Expired CAs are left out.
    static func load(
        database: any TesseraStorage, kek: KeyEncryptionKey, configuration: SPIFFEConfiguration, clock: any TimeSource
    ) async throws -> TrustDomainAuthority {
        let repository = database.spiffe
        let now = clock.now()
        let stored = try await repository.authorities().filter { $0.notAfter > now }
        guard let activeRecord = stored.first(where: { $0.status == "active" }) else {
            throw ServerError(.storage, "no active X.509 CA in the data folder")
        }
        let ca = try load(activeRecord, kek: kek)
        var roots: [Certificate] = []
        for record in stored {
            let certificates = try X509SVIDVerifier.parse(der: ([record.certificate] + record.chain).map { Array($0) })
            if let root = certificates.last, !roots.contains(root) { roots.append(root) }
        }
        let keys = try await database.signingKeys.keys(purpose: jwtPurpose)
        guard keys.contains(where: { $0.status == "active" }) else {
            throw ServerError(.storage, "no active JWT-SVID key in the data folder")
        }
        let (jwtKey, published) = try SigningKeyLifecycle.published(keys, kek: kek)
        return TrustDomainAuthority(
            ca: ca, roots: roots, jwtKey: jwtKey, jwtAuthorities: published,
            sequence: try await repository.bundleSequence(), refreshHint: configuration.bundleRefreshHint)
    }

    /// Forces a CA rotation now: a new CA signs from now on; the previous root stays in the bundle.
    static func rotate(
        database: any TesseraStorage, kek: KeyEncryptionKey, trustDomain: String, configuration: SPIFFEConfiguration,
        clock: any TimeSource, jwtAlgorithm: JWSAlgorithm = .es256
    ) async throws -> TrustDomainAuthority {
        let repository = database.spiffe
        for record in try await repository.authorities() where record.status == "active" {
            try await repository.setAuthorityStatus(id: record.id, status: "published")
        }
        return try await run(
            database: database, kek: kek, trustDomain: trustDomain, configuration: configuration, clock: clock,
            jwtAlgorithm: jwtAlgorithm
        ).0
    }

    private static func load(_ record: StoredX509Authority, kek: KeyEncryptionKey) throws -> TrustDomainCA {
        let raw = try kek.open(record.sealedPrivateKey, context: "x509-ca:\(record.id)")
        let certificates = try X509SVIDVerifier.parse(der: ([record.certificate] + record.chain).map { Array($0) })
        return try TrustDomainCA(certificate: certificates[0], rawPrivateKey: raw, chain: Array(certificates.dropFirst()))
    }

    private static func generate(trustDomain: String, configuration: SPIFFEConfiguration, now: Date) throws -> TrustDomainCA {
        let lifetime = TimeInterval(configuration.caLifetime)
        guard let certificatePath = configuration.upstreamCertificatePath, let keyPath = configuration.upstreamKeyPath else {
            return try TrustDomainCA.generateRoot(trustDomain: trustDomain, now: now, lifetime: lifetime)
        }
        guard let certificatePEM = try? String(contentsOfFile: certificatePath, encoding: .utf8),
            let keyPEM = try? String(contentsOfFile: keyPath, encoding: .utf8)
        else {
            throw ServerError(.configuration, "cannot read the upstream CA certificate or key file")
        }
        let parent: Certificate
        let parentKey: Certificate.PrivateKey
        do {
            parent = try Certificate(pemEncoded: certificatePEM)
            parentKey = try Certificate.PrivateKey(pemEncoded: keyPEM)
        } catch {
            throw ServerError(.configuration, "the upstream CA files are not a PEM certificate and private key")
        }
        guard parentKey.publicKey == parent.publicKey else {
            throw ServerError(.configuration, "the upstream CA key does not match its certificate")
        }
        return try TrustDomainCA.generateIntermediate(
            trustDomain: trustDomain, parentCertificate: parent, parentKey: parentKey, now: now, lifetime: lifetime)
    }
}
