import Crypto
import Foundation

/// A stable, non-reversible reference to a credential handle that should not be stored as is (an OpenBao token
/// accessor, for example): `sha256:` + the first 16 bytes of SHA-256, in hex.
public enum CredentialFingerprint {
    public static func of(_ handle: String) -> String {
        let digest = SHA256.hash(data: Data(handle.utf8))
        return "sha256:" + digest.prefix(16).map { String(format: "%02x", $0) }.joined()
    }
}
