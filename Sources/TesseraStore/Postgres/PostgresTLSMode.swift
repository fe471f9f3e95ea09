import Foundation
import NIOSSL

/// How connections to PostgreSQL are encrypted, after libpq's `sslmode`.
public enum PostgresTLSMode: Sendable, Equatable {
    /// Plain TCP.
    case disable
    /// TLS when the server offers it, plain otherwise; the certificate is not checked (libpq's default).
    case prefer
    /// TLS or no connection; the certificate is not checked (protects against eavesdropping, not impostors).
    case require
    /// TLS with the server's certificate checked against `rootCertificates` (a PEM file; nil = the system's
    /// roots) and its name against the host.
    case verifyFull(rootCertificates: String?)

    /// Parses `sslmode` (and `sslrootcert` for `verify-full`), refusing a root file that is not there.
    init(sslmode: String?, rootCertificates: String?) throws(StoreError) {
        let mode = sslmode ?? "prefer"
        if let path = rootCertificates {
            guard mode == "verify-full" else { throw StoreError(.unavailable, "sslrootcert needs sslmode=verify-full") }
            guard FileManager.default.isReadableFile(atPath: path) else {
                throw StoreError(.unavailable, "sslrootcert \(path) is not a readable file")
            }
        }
        switch mode {
        case "disable": self = .disable
        case "prefer": self = .prefer
        case "require": self = .require
        case "verify-full": self = .verifyFull(rootCertificates: rootCertificates)
        default: throw StoreError(.unavailable, "sslmode must be disable, prefer, require or verify-full")
        }
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
