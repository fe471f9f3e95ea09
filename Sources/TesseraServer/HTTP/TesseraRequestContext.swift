import Hummingbird
import NIOCore

/// The authenticated administrator behind an admin API request.
public struct AdminPrincipal: Sendable, Equatable {
    public let tokenID: String
    public let name: String
    public let role: String

    /// How the principal appears in audit records.
    public var auditActor: String {
        tokenID.hasPrefix("human:") || tokenID.hasPrefix("response:") ? tokenID : "admin:\(tokenID)"
    }
}

/// Request context carrying the authenticated principal and the caller's address.
public struct TesseraRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Set by `AdminAuthenticationMiddleware` for admin routes.
    public var admin: AdminPrincipal?
    /// The peer's IP address, when known.
    public let remoteAddress: String?
    /// The connection, to read the verified client certificate of an mTLS request (`clientCertificate()`).
    let channel: any Channel
    /// False on a connection accepted by a plain HTTP listener: it has no client certificate to ask for.
    let mayServeTLS: Bool
    public var maxUploadSize: Int { 64 * 1024 }

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.admin = nil
        self.remoteAddress = PeerAddress.normalized(source.channel.remoteAddress?.ipAddress)
        self.channel = source.channel
        self.mayServeTLS = TLSListenerPorts.mayServeTLS(localPort: source.channel.localAddress?.port)
    }

    /// DER of the client certificate verified during the TLS handshake (RFC 8705); `nil` over plain HTTP
    /// or when the client presented none.
    public func clientCertificate() async -> [UInt8]? {
        guard mayServeTLS else { return nil }
        return await MutualTLSListener.peerCertificate(of: channel)
    }
}
