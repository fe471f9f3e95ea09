import Crypto
import Foundation

/// How people are named in tokens, sessions, audit records and task initiators.
///
/// A person is keyed on what the IdP guarantees to be stable and unique: the pair (`iss`, `sub`) (OIDC Core
/// §5.7). The name is `human:<16 hex digits of SHA-256(iss)>:<sub>`; the issuer digest has a fixed length,
/// so the encoding is unambiguous whatever `sub` holds, and two IdPs can never produce the same name for
/// different people. The `email` claim is never a key: any user of the IdP can often set it, and it is
/// shown (as a display name) only when the IdP asserts `email_verified: true`.
public enum HumanName {
    /// `human:<sha256(iss)[:8 bytes] hex>:<sub>`.
    public static func key(issuer: String, subject: String) -> String {
        let digest = SHA256.hash(data: Data(issuer.utf8)).prefix(8).map { String(format: "%02x", $0) }.joined()
        return "human:\(digest):\(subject)"
    }

    /// The `email` claim when the IdP marks it verified (`email_verified` true, or the string `"true"`).
    static func verifiedEmail(payload: Data) -> String? {
        guard let object = try? JSONSerialization.jsonObject(with: payload) as? [String: Any],
            let email = object["email"] as? String, !email.isEmpty, email.utf8.count <= 320,
            !email.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        else { return nil }
        switch object["email_verified"] {
        case let flag as Bool where flag: return email
        case let text as String where text == "true": return email
        default: return nil
        }
    }
}
