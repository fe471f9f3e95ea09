import Crypto
import Foundation

/// An SSH public key read from its base64 wire format (RFC 4253 §6.6, RFC 5656, RFC 8709): the algorithm, the key
/// size in bits, and the fingerprint exactly as `ssh-keygen -l` prints it (`SHA256:` + unpadded base64 of SHA-256).
public struct SSHPublicKey: Sendable, Equatable {
    /// The algorithm named inside the key (`ssh-rsa`, `ssh-ed25519`, `ecdsa-sha2-nistp256`, ...).
    public let type: String
    /// RSA/DSA modulus bits, the curve size for ECDSA, 256 for Ed25519; `nil` for a certificate or unknown type.
    public let bits: Int?
    public let fingerprint: String

    /// Parses a key blob given in base64; `nil` when it is not valid base64 or not a well-formed key.
    public init?(base64: Substring) {
        guard base64.utf8.count <= 16_384, let blob = Data(base64Encoded: String(base64)) else { return nil }
        var reader = WireReader(bytes: [UInt8](blob))
        guard let typeBytes = reader.string(), let type = String(bytes: typeBytes, encoding: .utf8) else { return nil }
        self.type = type
        let base = type.replacingOccurrences(of: "sk-", with: "").replacingOccurrences(of: "@openssh.com", with: "")
        switch base {
        case "ssh-rsa":
            guard reader.string() != nil, let modulus = reader.string() else { return nil }
            bits = Self.bitLength(modulus)
        case "ssh-dss":
            guard let prime = reader.string() else { return nil }
            bits = Self.bitLength(prime)
        case "ssh-ed25519":
            guard let key = reader.string(), key.count == 32 else { return nil }
            bits = 256
        case "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521":
            guard let curve = reader.string(), String(bytes: curve, encoding: .utf8) == String(base.dropFirst(11)),
                reader.string() != nil
            else { return nil }
            bits = Int(base.suffix(3))
        default:
            bits = nil  // certificates (…-cert-v01@openssh.com) and algorithms this reader does not size
        }
        let digest = SHA256.hash(data: blob)
        var encoded = Data(digest).base64EncodedString()
        while encoded.hasSuffix("=") { encoded.removeLast() }
        fingerprint = "SHA256:" + encoded
    }

    /// Bits in an unsigned big-endian integer (an mpint without its sign byte).
    static func bitLength(_ bytes: [UInt8]) -> Int? {
        guard let first = bytes.firstIndex(where: { $0 != 0 }) else { return nil }
        return (bytes.count - first - 1) * 8 + (8 - bytes[first].leadingZeroBitCount)
    }

    /// Reads SSH wire `string`s (uint32 length + bytes).
    struct WireReader {
        let bytes: [UInt8]
        var offset = 0

        mutating func string() -> [UInt8]? {
            guard offset + 4 <= bytes.count else { return nil }
            let length = bytes[offset..<offset + 4].reduce(0) { $0 << 8 | Int($1) }
            offset += 4
            guard length <= bytes.count - offset else { return nil }
            defer { offset += length }
            return Array(bytes[offset..<offset + length])
        }
    }
}
