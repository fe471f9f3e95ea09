import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import NIOCore
import NIOSSL
import TesseraCore
import TesseraCrypto
import X509

/// The HTTPS listener of a server configured with `--tls-cert`/`--tls-key`: the same routes as the plain
/// listener, with optional client certificates (RFC 8705 mTLS client authentication).
///
/// A client that presents a certificate must present an X.509-SVID chain leading to the trust domain's
/// current X.509 roots (overlap roots included, so CA rotation needs no restart), valid at the injected
/// clock's time. No hostname verification is done for clients. A client without a certificate still
/// connects: it must then authenticate with `private_key_jwt`.
struct MutualTLSListener: Sendable {
    let certificatePath: String
    let keyPath: String
    let state: TrustDomainState
    let clock: any TimeSource
    /// Federated trust domains' roots: an X.509-SVID of a federated domain is verified against its own bundle.
    var federated: FederatedRoots? = nil
    /// Where verified chains are kept for the per-request re-check (`ClientCertificateAuthenticator`).
    var chains: VerifiedChains? = nil

    /// The Hummingbird server builder for this listener; `base` is the HTTP pipeline under TLS (with its
    /// deadlines, which also bound a stalled handshake).
    func serverBuilder(base: HTTPServerBuilder = .http1()) throws -> HTTPServerBuilder {
        let chain: [NIOSSLCertificate]
        let key: NIOSSLPrivateKey
        do {
            chain = try NIOSSLCertificate.fromPEMFile(certificatePath)
            key = try NIOSSLPrivateKey(file: keyPath, format: .pem)
        } catch {
            throw ServerError(.configuration, "TLS certificate or key could not be read: \(error)")
        }
        guard !chain.isEmpty else { throw ServerError(.configuration, "TLS certificate file holds no certificate") }
        var tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        tls.minimumTLSVersion = .tlsv12
        tls.certificateVerification = .optionalVerification
        let state = self.state
        let clock = self.clock
        let federated = self.federated
        let chains = self.chains
        return try .tls(
            base,
            configuration: TLSChannelConfiguration(
                tlsConfiguration: tls,
                customAsyncVerificationCallback: { presented in
                    await Self.verify(presented, state: state, federated: federated, chains: chains, now: clock.now())
                        ? .certificateVerified : .failed
                }))
    }

    /// Whether `presented` (leaf first) is an X.509-SVID chain at `now` of this trust domain (its current roots) or
    /// of a federated one (that domain's roots only, chosen by the leaf's SPIFFE ID).
    static func verify(
        _ presented: [NIOSSLCertificate], state: TrustDomainState, federated: FederatedRoots?, chains: VerifiedChains? = nil,
        now: Date
    ) async -> Bool {
        guard let (ders, chain) = parse(presented), let id = try? X509SVIDVerifier.spiffeID(ofLeaf: chain[0]) else {
            return false
        }
        let authority = state.authority
        let roots: [Certificate]
        if id.trustDomain == authority.ca.trustDomain {
            roots = authority.roots
        } else if let federated {
            roots = await federated.roots(for: id.trustDomain)
        } else {
            return false
        }
        guard verifiedID(chain: chain, roots: roots, now: now) != nil else { return false }
        chains?.remember(chain, thumbprint: ClientCertificateAuthenticator.thumbprint(of: ders[0]))
        return true
    }

    /// The SPIFFE ID of `presented` (leaf first) if it is an X.509-SVID chain leading to `roots` at `now`; the
    /// check of client certificates here and of `https_spiffe` bundle endpoints (`SPIFFEPeerAuthentication`).
    static func verifiedID(_ presented: [NIOSSLCertificate], roots: [Certificate], now: Date) -> SPIFFEID? {
        parse(presented).flatMap { verifiedID(chain: $0.chain, roots: roots, now: now) }
    }

    private static func parse(_ presented: [NIOSSLCertificate]) -> (ders: [[UInt8]], chain: [Certificate])? {
        guard let ders = try? presented.map({ try $0.toDERBytes() }), let chain = try? X509SVIDVerifier.parse(der: ders),
            !chain.isEmpty
        else { return nil }
        return (ders, chain)
    }

    private static func verifiedID(chain: [Certificate], roots: [Certificate], now: Date) -> SPIFFEID? {
        guard !roots.isEmpty else { return nil }
        return try? X509SVIDVerifier(authorities: roots).verify(chain: chain, now: now)
    }

    /// The DER of the verified client certificate of the connection behind `channel`, if it is a TLS
    /// connection whose client presented one.
    static func peerCertificate(of channel: any Channel) async -> [UInt8]? {
        guard let certificate = try? await channel.nioSSL_peerCertificate().get() else { return nil }
        return try? certificate.toDERBytes()
    }
}

extension MutualTLSListener {
    /// The port of the HTTPS listener, or `nil` without TLS settings (0 picks a free port).
    static func port(_ configuration: ServerConfiguration) throws -> Int? {
        guard configuration.tlsEnabled else { return nil }
        return configuration.tlsPort == 0 ? try FreePort.find(host: configuration.host) : configuration.tlsPort
    }

    /// `https://HOST:PORT` of the HTTPS listener.
    static func base(_ configuration: ServerConfiguration, port: Int) -> String {
        let host = configuration.host.contains(":") ? "[\(configuration.host)]" : configuration.host
        return "https://\(host):\(port)"
    }
}
