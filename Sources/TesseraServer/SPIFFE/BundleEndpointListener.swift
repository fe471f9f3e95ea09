import Crypto
import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore
import NIOSSL
import Synchronization
import TesseraCore
import TesseraCrypto
import X509

/// The SPIFFE bundle endpoint with the `https_spiffe` profile (`--bundle-endpoint-listen HOST:PORT`): `GET /bundle`
/// (and `/.well-known/spiffe-bundle`) over TLS, the server authenticated by an X.509-SVID of this trust domain,
/// `spiffe://<td>/tessera/bundle-endpoint`, that the server issues itself from its current CA and renews at half its
/// one-hour life (per handshake check, so a CA rotation reaches it within the hour). Federated servers configure
/// `https_spiffe` with that SPIFFE ID and this bundle, obtained once out of band. Nothing else is served here.
struct BundleEndpointListener {
    static let path = "/tessera/bundle-endpoint"
    static let lifetime: TimeInterval = 3600

    let host: String
    let port: Int

    /// Parses `HOST:PORT`.
    init(parsing text: String) throws(ServerError) {
        let address = try ListenAddress(
            parsing: text, usage: "--bundle-endpoint-listen must be HOST:PORT (e.g. 0.0.0.0:8445 or [::1]:8445)",
            ports: 1...65535)
        self.host = address.host
        self.port = address.port
    }

    /// The SPIFFE ID the endpoint presents.
    static func spiffeID(trustDomain: String) throws -> SPIFFEID {
        try SPIFFEID(trustDomain: trustDomain, path: path)
    }

    func application(
        state: TrustDomainState, clock: any TimeSource, settings: ListenerConfiguration, limiter: ConnectionLimiter,
        logger: Logger
    ) throws -> some ApplicationProtocol {
        let certificates = EndpointCertificate(state: state, clock: clock, logger: logger)
        // A placeholder context; every handshake takes the current SVID from the callback.
        let first = try certificates.current()
        var tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: first.chain.map { .certificate($0) }, privateKey: .privateKey(first.key))
        tls.minimumTLSVersion = .tlsv12
        tls.sslContextCallback = { _, promise in
            do {
                let current = try certificates.current()
                var override = NIOSSLContextConfigurationOverride()
                override.certificateChain = current.chain.map { .certificate($0) }
                override.privateKey = .privateKey(current.key)
                promise.succeed(override)
            } catch {
                promise.fail(error)
            }
        }
        let router = Router()
        for path in ["bundle", ".well-known/spiffe-bundle"] {
            router.get(RouterPath(path)) { _, _ in
                let bundle = state.authority.bundle
                var headers = HTTPFields()
                headers[.contentType] = "application/json"
                headers[.cacheControl] = "public, max-age=\(bundle.refreshHint)"
                return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(data: bundle.json())))
            }
        }
        return Application(
            router: router,
            server: try .tls(ListenerPipeline.http1(settings, limiter: limiter), tlsConfiguration: tls),
            configuration: .init(address: .hostname(host, port: port), serverName: "tessera-bundle"), logger: logger)
    }
}

/// The bundle endpoint's own X.509-SVID: issued from the current CA, renewed at half its lifetime.
private final class EndpointCertificate: Sendable {
    struct Material: Sendable {
        let chain: [NIOSSLCertificate]
        let key: NIOSSLPrivateKey
        let renewAt: Date
        let caSerial: Certificate.SerialNumber
    }

    let state: TrustDomainState
    let clock: any TimeSource
    let logger: Logger
    private let held = Mutex<Material?>(nil)

    init(state: TrustDomainState, clock: any TimeSource, logger: Logger) {
        self.state = state
        self.clock = clock
        self.logger = logger
    }

    func current() throws -> Material {
        let now = clock.now()
        let ca = state.authority.ca
        if let material = held.withLock({ $0 }), material.renewAt > now, material.caSerial == ca.certificate.serialNumber {
            return material
        }
        let key = P256.Signing.PrivateKey()
        let id = try BundleEndpointListener.spiffeID(trustDomain: ca.trustDomain)
        let chain = try ca.issueX509SVID(
            spiffeID: id, publicKey: Certificate.PublicKey(key.publicKey), now: now, ttl: BundleEndpointListener.lifetime)
        let material = Material(
            chain: try chain.map { try NIOSSLCertificate(bytes: try $0.derBytes(), format: .der) },
            key: try NIOSSLPrivateKey(bytes: Array(key.derRepresentation), format: .der),
            renewAt: now.addingTimeInterval(BundleEndpointListener.lifetime / 2), caSerial: ca.certificate.serialNumber)
        held.withLock { $0 = material }
        logger.info("bundle endpoint SVID \(id) issued, valid until \(chain[0].notValidAfter)")
        return material
    }
}
