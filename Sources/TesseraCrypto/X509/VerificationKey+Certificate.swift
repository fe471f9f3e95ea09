import Crypto
import X509
import _CryptoExtras

extension VerificationKey {
    /// The verification key inside a certificate (P-256, P-384, Ed25519 or RSA).
    public init(certificatePublicKey key: Certificate.PublicKey) throws(TesseraCryptoError) {
        if let p256 = P256.Signing.PublicKey(key) {
            self = .p256(p256)
        } else if let p384 = P384.Signing.PublicKey(key) {
            self = .p384(p384)
        } else if let ed = Curve25519.Signing.PublicKey(key) {
            self = .ed25519(ed)
        } else if let rsa = _RSA.Signing.PublicKey(key) {
            self = .rsa(rsa)
        } else {
            throw TesseraCryptoError(.malformedKey, "unsupported certificate key type")
        }
    }
}
