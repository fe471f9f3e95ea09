import Foundation
import Synchronization
import TesseraCrypto
import X509

/// The trust domain's signing material at one moment: the active CA, every published root, the JWT-SVID
/// key set, and the bundle that describes them.
public struct TrustDomainAuthority: Sendable {
    public let ca: TrustDomainCA
    /// Roots relying parties trust: the active CA's root and the roots kept for overlap after a rotation.
    public let roots: [Certificate]
    public let jwtKey: SigningKey
    public let jwtAuthorities: [JWK]
    public let bundle: SPIFFEBundle

    public init(
        ca: TrustDomainCA, roots: [Certificate], jwtKey: SigningKey, jwtAuthorities: [JWK], sequence: Int, refreshHint: Int
    ) {
        self.ca = ca
        self.roots = roots
        self.jwtKey = jwtKey
        self.jwtAuthorities = jwtAuthorities
        self.bundle = SPIFFEBundle(
            trustDomain: ca.trustDomain, x509Authorities: roots.compactMap { try? $0.derBytes() },
            jwtAuthorities: jwtAuthorities, sequence: sequence, refreshHint: refreshHint)
    }
}

/// Holds the current `TrustDomainAuthority`; replaced as a whole when the CA rotates.
public final class TrustDomainState: Sendable {
    private let current: Mutex<TrustDomainAuthority>

    public init(_ authority: TrustDomainAuthority) {
        current = Mutex(authority)
    }

    public var authority: TrustDomainAuthority { current.withLock { $0 } }

    func replace(with authority: TrustDomainAuthority) {
        current.withLock { $0 = authority }
    }

    /// Replaces the authority with one read from storage unless it is older than the one held (a lower bundle
    /// sequence: a read that raced this server's own rotation); `false` when it was kept.
    @discardableResult
    func replace(withStored authority: TrustDomainAuthority) -> Bool {
        current.withLock { held in
            guard authority.bundle.sequence >= held.bundle.sequence else { return false }
            held = authority
            return true
        }
    }
}

/// A `TrustDomainState` known only later in start-up (the token service is built before the CA is loaded).
final class TrustDomainStateReference: Sendable {
    private let held = Mutex<TrustDomainState?>(nil)

    func set(_ state: TrustDomainState) { held.withLock { $0 = state } }

    /// The current roots, or none before the state is set.
    var roots: [Certificate] { held.withLock { $0 }?.authority.roots ?? [] }
}
