import Crypto
import Foundation
import SwiftASN1
import TesseraCore
import X509

/// The X.509 certificate authority of a SPIFFE trust domain: a self-signed root, or an intermediate
/// under an operator's root. Signs X.509-SVIDs.
public struct TrustDomainCA: Sendable {
    /// This CA's certificate.
    public let certificate: Certificate
    /// Certificates between this CA and the root, nearest first; empty when this CA is the root.
    public let chain: [Certificate]
    public let trustDomain: String
    private let privateKey: P256.Signing.PrivateKey
    private let signer: Certificate.PrivateKey
    private let keyIdentifier: ArraySlice<UInt8>

    /// Longest X.509-SVID lifetime this CA signs, whatever is asked (24 hours).
    public static let maximumSVIDLifetime: TimeInterval = 86_400
    /// Leaves are back-dated by this much to absorb clock differences.
    public static let backdate: TimeInterval = 30

    /// Loads a CA from its certificate and its private key (as stored, sealed under the KEK).
    public init(certificate: Certificate, rawPrivateKey: Data, chain: [Certificate] = []) throws(TesseraCryptoError) {
        guard let key = try? P256.Signing.PrivateKey(rawRepresentation: rawPrivateKey) else {
            throw TesseraCryptoError(.malformedKey, "stored CA key is not a P-256 private key")
        }
        guard certificate.publicKey == Certificate.PublicKey(key.publicKey) else {
            throw TesseraCryptoError(.invalidCertificate, "CA certificate does not match its private key")
        }
        let spiffe = (try? certificate.extensions.subjectAlternativeNames)?.compactMap { name -> String? in
            if case .uniformResourceIdentifier(let uri) = name { return uri }
            return nil
        }.first
        guard let spiffe, let id = try? SPIFFEID(parsing: spiffe) else {
            throw TesseraCryptoError(.invalidCertificate, "CA certificate carries no trust domain SPIFFE ID")
        }
        self.certificate = certificate
        self.chain = chain
        self.trustDomain = id.trustDomain
        self.privateKey = key
        self.signer = Certificate.PrivateKey(key)
        self.keyIdentifier = SubjectKeyIdentifier(hash: certificate.publicKey).keyIdentifier
    }

    /// The raw private scalar, for sealing under the KEK. Never log it.
    public var rawPrivateKey: Data { privateKey.rawRepresentation }

    /// Whether this CA is a self-signed root.
    public var isRoot: Bool { chain.isEmpty && certificate.issuer == certificate.subject }

    /// Generates a self-signed root for `trustDomain`, valid from `now` for `lifetime` seconds.
    public static func generateRoot(trustDomain: String, now: Date, lifetime: TimeInterval) throws -> TrustDomainCA {
        let key = P256.Signing.PrivateKey(compactRepresentable: false)
        let publicKey = Certificate.PublicKey(key.publicKey)
        let name = try caName(trustDomain: trustDomain, now: now)
        let certificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: publicKey,
            notValidBefore: now.addingTimeInterval(-backdate), notValidAfter: now.addingTimeInterval(lifetime),
            issuer: name, subject: name, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try caExtensions(trustDomain: trustDomain, publicKey: publicKey, issuerKeyID: nil),
            issuerPrivateKey: Certificate.PrivateKey(key))
        return try TrustDomainCA(certificate: certificate, rawPrivateKey: key.rawRepresentation)
    }

    /// Generates an intermediate CA for `trustDomain`, signed by an operator-provided parent CA.
    /// `parentChain` lists the parent's own intermediates (nearest first), if any.
    public static func generateIntermediate(
        trustDomain: String, parentCertificate: Certificate, parentKey: Certificate.PrivateKey,
        parentChain: [Certificate] = [], now: Date, lifetime: TimeInterval
    ) throws -> TrustDomainCA {
        let key = P256.Signing.PrivateKey(compactRepresentable: false)
        let publicKey = Certificate.PublicKey(key.publicKey)
        let notAfter = min(now.addingTimeInterval(lifetime), parentCertificate.notValidAfter)
        let certificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: publicKey,
            notValidBefore: now.addingTimeInterval(-backdate), notValidAfter: notAfter,
            issuer: parentCertificate.subject, subject: try caName(trustDomain: trustDomain, now: now),
            signatureAlgorithm: signatureAlgorithm(for: parentKey.publicKey),
            extensions: try caExtensions(
                trustDomain: trustDomain, publicKey: publicKey,
                issuerKeyID: SubjectKeyIdentifier(hash: parentCertificate.publicKey).keyIdentifier),
            issuerPrivateKey: parentKey)
        return try TrustDomainCA(
            certificate: certificate, rawPrivateKey: key.rawRepresentation, chain: [parentCertificate] + parentChain)
    }

    /// Signs an X.509-SVID for `spiffeID` over `publicKey`: exactly one URI SAN, not a CA, `digitalSignature`
    /// only. The lifetime is `ttl`, capped at `maximumSVIDLifetime` and at this CA's own expiry.
    /// Returns the leaf followed by the intermediates a relying party needs (this CA when it is not a root).
    public func issueX509SVID(
        spiffeID: SPIFFEID, publicKey: Certificate.PublicKey, now: Date, ttl: TimeInterval
    ) throws -> [Certificate] {
        guard spiffeID.trustDomain == trustDomain else {
            throw TesseraCryptoError(.invalidSVID, "SPIFFE ID is not in trust domain \(trustDomain)")
        }
        guard ttl >= 1 else { throw TesseraCryptoError(.invalidSVID, "SVID lifetime must be positive") }
        guard now < certificate.notValidAfter else {
            throw TesseraCryptoError(.invalidCertificate, "the trust domain CA has expired")
        }
        let notAfter = min(now.addingTimeInterval(min(ttl, Self.maximumSVIDLifetime)), certificate.notValidAfter)
        let extensions = try Certificate.Extensions {
            Critical(BasicConstraints.notCertificateAuthority)
            Critical(KeyUsage(digitalSignature: true))
            try ExtendedKeyUsage([.serverAuth, .clientAuth])
            SubjectKeyIdentifier(hash: publicKey)
            AuthorityKeyIdentifier(keyIdentifier: keyIdentifier)
            SubjectAlternativeNames([.uniformResourceIdentifier(spiffeID.description)])
        }
        let leaf = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: publicKey,
            notValidBefore: max(now.addingTimeInterval(-Self.backdate), certificate.notValidBefore),
            notValidAfter: notAfter, issuer: certificate.subject, subject: Self.leafName,
            signatureAlgorithm: .ecdsaWithSHA256, extensions: extensions, issuerPrivateKey: signer)
        return isRoot ? [leaf] : [leaf, certificate] + chain.dropLast()
    }

    /// The root certificates relying parties must trust for this CA (itself, or the top of its chain).
    public var rootCertificate: Certificate { chain.last ?? certificate }

    private static let leafName: DistinguishedName = {
        // A constant, valid name: building it cannot fail.
        try! DistinguishedName { OrganizationName("Tessera") }
    }()

    private static func signatureAlgorithm(for key: Certificate.PublicKey) -> Certificate.SignatureAlgorithm {
        if P384.Signing.PublicKey(key) != nil { return .ecdsaWithSHA384 }
        if Curve25519.Signing.PublicKey(key) != nil { return .ed25519 }
        if P256.Signing.PublicKey(key) != nil { return .ecdsaWithSHA256 }
        return .sha256WithRSAEncryption
    }

    private static func caName(trustDomain: String, now: Date) throws -> DistinguishedName {
        try DistinguishedName {
            OrganizationName("Tessera")
            CommonName("\(trustDomain) CA \(Int(now.timeIntervalSince1970)) \(RandomToken.hex(bytes: 4))")
        }
    }

    private static func caExtensions(
        trustDomain: String, publicKey: Certificate.PublicKey, issuerKeyID: ArraySlice<UInt8>?
    ) throws -> Certificate.Extensions {
        var extensions = try Certificate.Extensions {
            Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
            Critical(KeyUsage(digitalSignature: true, keyCertSign: true, cRLSign: true))
            SubjectKeyIdentifier(hash: publicKey)
            SubjectAlternativeNames([.uniformResourceIdentifier("spiffe://\(trustDomain)")])
        }
        if let issuerKeyID {
            try extensions.append(Certificate.Extension(AuthorityKeyIdentifier(keyIdentifier: issuerKeyID), critical: false))
        }
        return extensions
    }
}
