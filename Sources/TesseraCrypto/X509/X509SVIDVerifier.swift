import Foundation
import SwiftASN1
import TesseraCore
import X509

/// Checks an X.509-SVID chain against a trust domain's X.509 authorities, per the X509-SVID specification.
public struct X509SVIDVerifier: Sendable {
    /// The trusted authorities (roots) of the trust domain.
    public let authorities: [Certificate]

    public init(authorities: [Certificate]) {
        self.authorities = authorities
    }

    /// Verifies `chain` (leaf first, then intermediates) at `now` and returns the leaf's SPIFFE ID.
    public func verify(chain: [Certificate], now: Date) throws(TesseraCryptoError) -> SPIFFEID {
        guard let leaf = chain.first, chain.count <= 4 else {
            throw TesseraCryptoError(.invalidSVID, "certificate chain is empty or too long")
        }
        let id = try Self.spiffeID(ofLeaf: leaf)
        var current = leaf
        var remaining = Array(chain.dropFirst())
        for _ in 0...4 {
            guard current.notValidBefore <= now, now < current.notValidAfter else {
                throw TesseraCryptoError(.invalidSVID, "a certificate in the chain is expired or not yet valid")
            }
            if authorities.contains(where: {
                $0.subject == current.issuer && $0.publicKey.isValidSignature(current.signature, for: current)
            }) {
                return id
            }
            guard let index = remaining.firstIndex(where: { $0.subject == current.issuer }),
                remaining[index].publicKey.isValidSignature(current.signature, for: current),
                Self.isCA(remaining[index])
            else {
                throw TesseraCryptoError(.invalidSVID, "certificate chain does not lead to a trusted authority")
            }
            current = remaining.remove(at: index)
        }
        throw TesseraCryptoError(.invalidSVID, "certificate chain is too long")
    }

    /// The SPIFFE ID of an X.509-SVID leaf, enforcing the leaf rules: exactly one URI SAN, a valid SPIFFE ID,
    /// not a CA, `digitalSignature` set, `keyCertSign`/`cRLSign` clear.
    public static func spiffeID(ofLeaf leaf: Certificate) throws(TesseraCryptoError) -> SPIFFEID {
        guard let names = try? leaf.extensions.subjectAlternativeNames else {
            throw TesseraCryptoError(.invalidSVID, "leaf has no valid subject alternative name")
        }
        let uris = names.compactMap { name -> String? in
            if case .uniformResourceIdentifier(let uri) = name { return uri }
            return nil
        }
        guard uris.count == 1, let id = try? SPIFFEID(parsing: uris[0]), !id.path.isEmpty else {
            throw TesseraCryptoError(.invalidSVID, "leaf must carry exactly one URI SAN holding a workload SPIFFE ID")
        }
        guard !isCA(leaf) else { throw TesseraCryptoError(.invalidSVID, "leaf must not be a CA") }
        guard let usage = try? leaf.extensions.keyUsage, usage.digitalSignature, !usage.keyCertSign, !usage.cRLSign
        else {
            throw TesseraCryptoError(.invalidSVID, "leaf key usage must be digitalSignature without keyCertSign/cRLSign")
        }
        return id
    }

    static func isCA(_ certificate: Certificate) -> Bool {
        if case .isCertificateAuthority = (try? certificate.extensions.basicConstraints) ?? .notCertificateAuthority {
            return true
        }
        return false
    }

    /// Parses DER certificates, refusing anything malformed.
    public static func parse(der chain: [[UInt8]]) throws(TesseraCryptoError) -> [Certificate] {
        var certificates: [Certificate] = []
        for der in chain {
            guard der.count <= 16 * 1024, let certificate = try? Certificate(derEncoded: der) else {
                throw TesseraCryptoError(.invalidCertificate, "not a DER-encoded X.509 certificate")
            }
            certificates.append(certificate)
        }
        return certificates
    }
}

extension Certificate {
    /// The DER encoding of this certificate.
    public func derBytes() throws -> [UInt8] {
        var serializer = DER.Serializer()
        try serializer.serialize(self)
        return serializer.serializedBytes
    }

    /// PEM `CERTIFICATE` block.
    public func pemString() throws -> String {
        try serializeAsPEM().pemString
    }
}
