import Crypto
import Foundation
import TesseraCore

/// The audit log's keys, all derived (HKDF-SHA256) from one root key that the server derives from its KEK; no key
/// is ever stored in the database.
///
/// - a MAC key: HMAC-SHA256 over every record's hash (and over the recorded head), so someone who can write the
///   database but does not hold the KEK cannot edit, insert, re-chain or drop records without the MACs failing;
/// - a checkpoint signing key: Ed25519, deterministic from the root, so every server sharing the KEK signs with the
///   same key and verifiers without the KEK can check checkpoints against its published public key.
///
/// Keys carry an id (`a1-` plus a fingerprint) written into each record, so a later rotation can add keys: a keyring
/// verifies with every key it holds and writes with `current`.
public struct AuditKeyring: Sendable {
    /// One MAC key and its id.
    public struct MACKey: Sendable {
        public let id: String
        let key: SymmetricKey
    }

    /// The HKDF `purpose` under which the server derives the audit root key from the KEK (version 1).
    public static let kekPurpose = "tessera/audit/v1"

    /// The key new records are keyed with.
    public let current: MACKey
    private let keys: [String: SymmetricKey]
    private let signingKey: Curve25519.Signing.PrivateKey
    /// The checkpoint verification key, published for verifiers without the KEK.
    public let checkpointKey: AuditCheckpointKey

    /// A keyring from root keys, newest first (the first one keys new records). Needs at least one.
    public init(rootKeys: [SymmetricKey]) {
        precondition(!rootKeys.isEmpty, "an audit keyring needs a root key")
        var keys: [String: SymmetricKey] = [:]
        var made: [MACKey] = []
        for root in rootKeys {
            let macKey = Self.derive(root, "record-mac")
            let id = "a1-" + Hex.encode(HMAC<SHA256>.authenticationCode(for: Data("key id".utf8), using: macKey).prefix(6))
            keys[id] = macKey
            made.append(MACKey(id: id, key: macKey))
        }
        self.keys = keys
        current = made[0]
        let seed = Self.derive(rootKeys[0], "checkpoint-ed25519").withUnsafeBytes { Data($0) }
        // 32 bytes always make an Ed25519 private key.
        signingKey = try! Curve25519.Signing.PrivateKey(rawRepresentation: seed)
        checkpointKey = AuditCheckpointKey(rawPublicKey: signingKey.publicKey.rawRepresentation)
    }

    /// A keyring from one root key.
    public init(rootKey: SymmetricKey) { self.init(rootKeys: [rootKey]) }

    private static func derive(_ root: SymmetricKey, _ label: String) -> SymmetricKey {
        HKDF<SHA256>.deriveKey(
            inputKeyMaterial: root, salt: Data("tessera audit".utf8), info: Data(label.utf8), outputByteCount: 32)
    }

    /// Whether this keyring holds the key `id`.
    public func holds(_ id: String) -> Bool { keys[id] != nil }

    /// The MAC of a record whose hash is `hash`, under key `id` (nil when the keyring lacks it).
    public func recordMAC(hash: String, keyID id: String) -> String? {
        keys[id].map { Self.mac("tessera audit record\u{0}\(hash)", $0) }
    }

    /// The MAC of a chain's recorded head (seq and hash), under key `id`: a head moved back over deleted records
    /// lacks it. The unnamed chain's keeps the form it had before named chains; a named chain's binds its name.
    public func headMAC(_ head: AuditHead, keyID id: String, chain: String = "") -> String? {
        let message =
            chain.isEmpty
            ? "tessera audit head\u{0}\(head.seq)\u{0}\(head.hash)"
            : "tessera audit chain head\u{0}\(chain)\u{0}\(head.seq)\u{0}\(head.hash)"
        return keys[id].map { Self.mac(message, $0) }
    }

    /// Whether `mac` is the head MAC of `head` in `chain` under any key this keyring holds.
    public func verifiesHeadMAC(_ head: AuditHead, mac: String?, chain: String) -> Bool {
        guard let mac else { return false }
        return keys.keys.contains { headMAC(head, keyID: $0, chain: chain) == mac }
    }

    private static func mac(_ message: String, _ key: SymmetricKey) -> String {
        Hex.encode(HMAC<SHA256>.authenticationCode(for: Data(message.utf8), using: key))
    }

    /// Signs a checkpoint statement (domain-separated).
    func sign(_ statement: String) throws -> Data {
        try signingKey.signature(for: AuditCheckpointKey.signedBytes(statement))
    }
}

/// The Ed25519 public key that verifies checkpoints, with a short fingerprint to compare out of band.
public struct AuditCheckpointKey: Sendable, Equatable {
    /// The 32-byte Ed25519 public key.
    public let rawPublicKey: Data

    public init(rawPublicKey: Data) { self.rawPublicKey = rawPublicKey }

    /// Parses the base64 (or base64url) form of `publicKey`.
    public init?(encoded: String) {
        guard let raw = Self.base64(encoded), raw.count == 32 else { return nil }
        rawPublicKey = raw
    }

    /// Standard base64.
    public var publicKey: String { rawPublicKey.base64EncodedString() }

    /// Decodes base64 or base64url, padded or not.
    static func base64(_ text: String) -> Data? {
        var standard = text.trimmingCharacters(in: .whitespacesAndNewlines)
            .replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while standard.count % 4 != 0 { standard += "=" }
        return Data(base64Encoded: standard)
    }

    /// `ed25519:` and the first 16 bytes of the key's SHA-256, hex.
    public var fingerprint: String { "ed25519:" + Hex.encode(SHA256.hash(data: rawPublicKey).prefix(16)) }

    /// Whether `signature` signs `statement` under this key.
    public func verifies(_ signature: Data, of statement: String) -> Bool {
        guard let key = try? Curve25519.Signing.PublicKey(rawRepresentation: rawPublicKey) else { return false }
        return key.isValidSignature(signature, for: Self.signedBytes(statement))
    }

    static func signedBytes(_ statement: String) -> Data { Data(("tessera-audit-checkpoint-v1\n" + statement).utf8) }
}

/// Who writes: the keyring and this server instance's writer id (recorded on every record it appends).
public struct AuditSealing: Sendable {
    public let keyring: AuditKeyring
    public let writer: String

    public init(keyring: AuditKeyring, writer: String) {
        self.keyring = keyring
        self.writer = writer
    }
}
