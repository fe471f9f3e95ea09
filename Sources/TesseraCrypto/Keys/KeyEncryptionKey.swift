import Crypto
import Foundation
import TesseraCore

/// The key-encryption key (KEK) that protects private keys at rest (AES-256-GCM).
public struct KeyEncryptionKey: Sendable {
    private let key: SymmetricKey

    public init(key: SymmetricKey) throws(TesseraCryptoError) {
        guard key.bitCount == 256 else { throw TesseraCryptoError(.missingKEK, "the KEK must be 256 bits") }
        self.key = key
    }

    /// Parses a KEK written as base64 (standard or url-safe) or hex of exactly 32 bytes; whitespace ignored.
    public init(encoded: String) throws(TesseraCryptoError) {
        let text = encoded.trimmingCharacters(in: .whitespacesAndNewlines)
        let bytes: Data?
        if text.utf8.count == 64, let hex = Hex.decode(text).map({ Data($0) }) {
            bytes = hex
        } else {
            bytes = Data(base64Encoded: text) ?? Base64URL.decode(text)
        }
        guard let bytes, bytes.count == 32 else {
            throw TesseraCryptoError(.missingKEK, "the KEK must be 32 bytes, written as base64 or hex")
        }
        try self.init(key: SymmetricKey(data: bytes))
    }

    /// A subkey for one purpose (HKDF-SHA256, `purpose` as info), e.g. the audit log's MAC and checkpoint keys.
    /// The KEK itself never leaves this type; different purposes give independent keys.
    public func derivedKey(purpose: String) -> SymmetricKey {
        HKDF<SHA256>.deriveKey(
            inputKeyMaterial: key, salt: Data("tessera kek derivation".utf8), info: Data(purpose.utf8), outputByteCount: 32)
    }

    /// A fresh random KEK and its base64 encoding.
    public static func generate() -> (KeyEncryptionKey, String) {
        let key = SymmetricKey(size: .bits256)
        let encoded = key.withUnsafeBytes { Data($0).base64EncodedString() }
        // A 256-bit key always satisfies the initializer.
        return (try! KeyEncryptionKey(key: key), encoded)
    }

    /// Encrypts `plaintext`, binding it to `context` (e.g. the key id) as additional authenticated data.
    public func seal(_ plaintext: Data, context: String) throws -> Data {
        let box = try AES.GCM.seal(plaintext, using: key, authenticating: Data(context.utf8))
        guard let combined = box.combined else { throw TesseraCryptoError(.decryptionFailed, "could not seal") }
        return combined
    }

    /// Decrypts what `seal` produced; fails if the KEK, the context or the ciphertext differ.
    public func open(_ ciphertext: Data, context: String) throws(TesseraCryptoError) -> Data {
        do {
            let box = try AES.GCM.SealedBox(combined: ciphertext)
            return try AES.GCM.open(box, using: key, authenticating: Data(context.utf8))
        } catch {
            throw TesseraCryptoError(.decryptionFailed, "cannot decrypt with this KEK (wrong KEK or corrupted data)")
        }
    }
}
