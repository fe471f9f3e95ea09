import Crypto
import Foundation
import TesseraCrypto
import X509

#if canImport(Glibc)
    import Glibc
#endif

/// The node's own identity: its private key (generated here, never sent) and its X.509-SVID chain.
struct NodeCredential: Sendable {
    let key: P256.Signing.PrivateKey
    let chain: [Certificate]

    var spiffeID: String { (try? X509SVIDVerifier.spiffeID(ofLeaf: chain[0]).description) ?? "" }
    var expiresAt: Date { chain[0].notValidAfter }

    func needsRenewal(at now: Date) -> Bool {
        let leaf = chain[0]
        return now >= leaf.notValidBefore.addingTimeInterval(leaf.notValidAfter.timeIntervalSince(leaf.notValidBefore) / 2)
    }

    static let keyFile = "node-key.pem"
    static let svidFile = "node-svid.pem"

    /// Loads the credential saved in `directory`, if any.
    static func load(from directory: String) -> NodeCredential? {
        let base = URL(fileURLWithPath: directory)
        guard let keyPEM = try? String(contentsOf: base.appendingPathComponent(keyFile), encoding: .utf8),
            let chainPEM = try? String(contentsOf: base.appendingPathComponent(svidFile), encoding: .utf8),
            let key = try? P256.Signing.PrivateKey(pemRepresentation: keyPEM),
            let chain = try? Self.splitPEM(chainPEM).map({ try Certificate(pemEncoded: $0) }), !chain.isEmpty
        else { return nil }
        return NodeCredential(key: key, chain: chain)
    }

    /// Splits concatenated PEM certificates.
    static func splitPEM(_ text: String) -> [String] {
        let end = "-----END CERTIFICATE-----"
        return text.components(separatedBy: end).map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
            .filter { !$0.isEmpty }.map { $0 + "\n" + end }
    }

    /// Saves the credential (key file mode 0600) atomically.
    func save(to directory: String) throws {
        try FileManager.default.createDirectory(
            atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let base = URL(fileURLWithPath: directory)
        let chainPEM = try chain.map { try $0.pemString() }.joined(separator: "\n") + "\n"
        try Self.write(Data(key.pemRepresentation.utf8), to: base.appendingPathComponent(Self.keyFile).path, mode: 0o600)
        try Self.write(Data(chainPEM.utf8), to: base.appendingPathComponent(Self.svidFile).path, mode: 0o644)
    }

    private static func write(_ data: Data, to path: String, mode: Int) throws {
        let temporary = path + ".tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: data, attributes: [.posixPermissions: mode]) else {
            throw AgentError(.configuration, "cannot write \(temporary)")
        }
        guard rename(temporary, path) == 0 else { throw AgentError(.configuration, "cannot write \(path)") }
    }
}
