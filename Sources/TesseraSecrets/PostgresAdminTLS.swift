import Foundation
import NIOSSL

/// Encryption of the secrets engine's admin connection (docs/threat-model.md): it sends `CREATE ROLE … PASSWORD`,
/// so it honours `sslmode`/`sslrootcert` like the storage connection, and without `sslmode` it requires TLS for
/// any host that is not loopback.
public enum PostgresAdminTLS: Sendable, Equatable {
    /// Plain TCP (only when asked for with `sslmode=disable`).
    case disable
    /// TLS when offered, plain otherwise; certificate unchecked (the default on loopback only).
    case prefer
    /// TLS or no connection; certificate unchecked (protects against eavesdropping, not impostors).
    case require
    /// TLS with the certificate checked against `rootCertificates` (PEM file; nil = the system's) and the host.
    case verifyFull(rootCertificates: String?)

    /// Parses `sslmode` and `sslrootcert`; no `sslmode` means `require`, or `prefer` for a loopback `host`.
    init(sslmode: String?, rootCertificates: String?, host: String) throws(SecretsError) {
        let mode = sslmode ?? (Self.isLoopback(host) ? "prefer" : "require")
        if let path = rootCertificates {
            guard mode == "verify-full" else { throw SecretsError(.configuration, "sslrootcert needs sslmode=verify-full") }
            guard FileManager.default.isReadableFile(atPath: path) else {
                throw SecretsError(.configuration, "sslrootcert \(path) is not a readable file")
            }
        }
        switch mode {
        case "disable": self = .disable
        case "prefer": self = .prefer
        case "require": self = .require
        case "verify-full": self = .verifyFull(rootCertificates: rootCertificates)
        default: throw SecretsError(.configuration, "sslmode must be disable, prefer, require or verify-full")
        }
    }

    static func isLoopback(_ host: String) -> Bool {
        let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        return bare == "localhost" || bare == "::1" || bare.hasPrefix("127.")
    }

    /// The client TLS settings for this mode (nil for `disable`).
    var tlsConfiguration: TLSConfiguration? {
        var configuration = TLSConfiguration.makeClientConfiguration()
        switch self {
        case .disable: return nil
        case .prefer, .require: configuration.certificateVerification = .none
        case .verifyFull(let roots):
            configuration.certificateVerification = .fullVerification
            if let roots { configuration.trustRoots = .file(roots) }
        }
        return configuration
    }
}
