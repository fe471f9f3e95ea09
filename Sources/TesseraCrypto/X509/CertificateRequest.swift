import Crypto
import Foundation
import SwiftASN1
import X509

/// PKCS#10 certificate signing requests: how a private key stays on the node that made it.
public enum CertificateRequest {
    /// Largest CSR accepted (bytes of DER).
    public static let maximumSize = 8 * 1024

    /// Parses a DER CSR, verifies its self-signature (proof of possession) and returns the public key.
    /// Only P-256 and P-384 keys are accepted for SVIDs. The subject and attributes are ignored: the
    /// server decides what goes into the certificate.
    public static func publicKey(fromDER der: [UInt8]) throws(TesseraCryptoError) -> Certificate.PublicKey {
        guard !der.isEmpty, der.count <= maximumSize else {
            throw TesseraCryptoError(.invalidCSR, "CSR is empty or larger than \(maximumSize) bytes")
        }
        let csr: CertificateSigningRequest
        do {
            csr = try CertificateSigningRequest(derEncoded: der)
        } catch {
            throw TesseraCryptoError(.invalidCSR, "not a DER-encoded PKCS#10 certificate signing request")
        }
        guard P256.Signing.PublicKey(csr.publicKey) != nil || P384.Signing.PublicKey(csr.publicKey) != nil else {
            throw TesseraCryptoError(.invalidCSR, "CSR key must be EC P-256 or P-384")
        }
        guard csr.publicKey.isValidSignature(csr.signature, for: csr) else {
            throw TesseraCryptoError(.invalidCSR, "CSR signature does not verify (no proof of key possession)")
        }
        return csr.publicKey
    }

    /// Builds a DER CSR for `key` (the subject is a placeholder; the server ignores it).
    public static func make(for key: P256.Signing.PrivateKey) throws -> [UInt8] {
        let csr = try CertificateSigningRequest(
            version: .v1, subject: try DistinguishedName { OrganizationName("Tessera") },
            privateKey: Certificate.PrivateKey(key), attributes: CertificateSigningRequest.Attributes(),
            signatureAlgorithm: .ecdsaWithSHA256)
        var serializer = DER.Serializer()
        try serializer.serialize(csr)
        return serializer.serializedBytes
    }
}
