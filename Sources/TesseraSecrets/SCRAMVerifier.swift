import Crypto
import Foundation
import TesseraCore
import _CryptoExtras

/// A PostgreSQL SCRAM-SHA-256 password verifier (RFC 5802 §3, RFC 7677; the form PostgreSQL stores in
/// `pg_authid.rolpassword`): `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>`, each part base64.
///
/// Given as a role's `PASSWORD`, PostgreSQL stores it as is (PostgreSQL 10 and later), so the password itself never
/// reaches the server: no statement log (`log_statement = ddl`), `pg_stat_statements` or `pg_stat_activity` can show it,
/// and the server spends no CPU on the 4,096 rounds.
public enum SCRAMVerifier {
    /// PostgreSQL's default (`scram_iterations`).
    public static let iterations = 4096

    /// The verifier of `password` with a fresh 16-byte salt.
    public static func make(password: String) throws(SecretsError) -> String {
        try make(password: password, salt: RandomToken.bytes(16))
    }

    /// The verifier of `password` with `salt`. `password` must be printable ASCII, which SASLprep (RFC 4013) leaves as
    /// it is; the passwords Tessera generates are base64url.
    public static func make(password: String, salt: [UInt8], iterations: Int = iterations) throws(SecretsError) -> String {
        guard !password.isEmpty, password.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }), !salt.isEmpty, iterations >= 1 else {
            throw SecretsError(.configuration, "a SCRAM verifier needs a printable ASCII password, a salt and rounds")
        }
        let salted: SymmetricKey
        do {
            salted = try KDF.Insecure.PBKDF2.deriveKey(
                from: Array(password.utf8), salt: salt, using: .sha256, outputByteCount: 32, unsafeUncheckedRounds: iterations)
        } catch {
            throw SecretsError(.configuration, "PBKDF2 failed for the SCRAM verifier")
        }
        let clientKey = HMAC<SHA256>.authenticationCode(for: Array("Client Key".utf8), using: salted)
        let storedKey = SHA256.hash(data: Data(clientKey))
        let serverKey = HMAC<SHA256>.authenticationCode(for: Array("Server Key".utf8), using: salted)
        return "SCRAM-SHA-256$\(iterations):\(Data(salt).base64EncodedString())$"
            + "\(Data(storedKey).base64EncodedString()):\(Data(serverKey).base64EncodedString())"
    }
}
