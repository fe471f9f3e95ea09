import Crypto
import Foundation
import TesseraCore
import TesseraCrypto
import TesseraStore
import X509

/// `tls_client_auth` (RFC 8705 §2.1.1) with X.509-SVIDs: the client certificate verified during the TLS
/// handshake authenticates the client whose SPIFFE ID is its single URI SAN.
///
/// The handshake already checked the chain against the trust domain's roots; here the leaf is checked again
/// at the injected clock's time (a kept-alive connection can outlive its certificate), its SPIFFE ID must
/// equal `client_id` when one is sent, and it must name an identity of the inventory that is eligible now.
public struct ClientCertificateAuthenticator: Sendable {
    public static let method = "tls_client_auth"

    let identities: any IdentityRepository
    let trustDomain: String
    let clock: any TimeSource
    /// Federated trust domains: their X.509-SVIDs (verified in the handshake against their own bundle)
    /// authenticate identities of the inventory that carry that exact SPIFFE ID.
    let federated: FederatedRoots?
    /// The roots of a trust domain now (this one's, or a federated one's), for the per-request re-check of the
    /// connection's chain; nil skips it (protocol tests).
    var currentRoots: (@Sendable (String) async -> [Certificate])? = nil
    /// The chains the handshake verified (`MutualTLSListener`).
    var chains: VerifiedChains? = nil
    /// Leases of X.509-SVIDs: a revoked SVID authenticates nothing, even while it is valid.
    var leases: (any TaskRepository)? = nil

    public init(identities: any IdentityRepository, trustDomain: String, clock: any TimeSource, federated: FederatedRoots? = nil)
    {
        self.identities = identities
        self.trustDomain = trustDomain
        self.clock = clock
        self.federated = federated
    }

    /// Why the connection's certificate may no longer authenticate (its chain no longer verifies against the roots
    /// current now, or its SVID lease was revoked), or nil.
    func currentRefusal(leaf: Certificate, der: [UInt8], id: SPIFFEID) async throws(ClientAuthenticationFailure) -> String? {
        if let currentRoots {
            let chain = chains?.chain(thumbprint: Self.thumbprint(of: der)) ?? [leaf]
            let verified = try? X509SVIDVerifier(authorities: await currentRoots(id.trustDomain)).verify(
                chain: chain, now: clock.now())
            guard verified == id else {
                return "the client certificate no longer verifies against its trust domain's current bundle"
            }
        }
        if let leases {
            let serial = Hex.encode(leaf.serialNumber.bytes)
            let revoked: Bool
            do {
                revoked = try await leases.isRevoked(leaseID: serial, kind: AgentService.x509LeaseKind, subject: id.description)
            } catch {
                throw ClientAuthenticationFailure(
                    error: OAuthError(.temporarilyUnavailable, "lease store unavailable", status: .serviceUnavailable),
                    claimedClient: id.description)
            }
            if revoked { return "the client certificate (X.509-SVID \(serial.prefix(40))) was revoked" }
        }
        return nil
    }

    /// The RFC 8705 thumbprint of a DER certificate: `base64url(SHA-256(DER))`.
    public static func thumbprint(of der: [UInt8]) -> String {
        Base64URL.encode(Data(SHA256.hash(data: der)))
    }

    /// The thumbprint binding a token of `identity` (authenticated with private_key_jwt) to the connection's
    /// client certificate, which must be an X.509-SVID of that same identity.
    func binding(for identity: Identity, certificate der: [UInt8]) async throws(ClientAuthenticationFailure) -> String {
        guard let leaf = try? Certificate(derEncoded: der), let id = try? X509SVIDVerifier.spiffeID(ofLeaf: leaf),
            id.description == identity.clientID
        else {
            throw ClientAuthenticationFailure(
                error: OAuthError(.invalidClient, "the TLS client certificate is not an X.509-SVID of the authenticated client"),
                claimedClient: identity.clientID)
        }
        if let reason = try await currentRefusal(leaf: leaf, der: der, id: id) {
            throw ClientAuthenticationFailure(error: OAuthError(.invalidClient, reason), claimedClient: identity.clientID)
        }
        return Self.thumbprint(of: der)
    }

    /// Authenticates the client of a token request that carries no assertion.
    func authenticate(_ form: FormBody, certificate der: [UInt8]) async throws(ClientAuthenticationFailure)
        -> AuthenticatedClient
    {
        var claimed: String? = form.nonEmpty("client_id")
        func fail(_ description: String) -> ClientAuthenticationFailure {
            ClientAuthenticationFailure(error: OAuthError(.invalidClient, description), claimedClient: claimed)
        }
        if form["client_secret"] != nil {
            throw fail("client secrets are not accepted: authenticate with tls_client_auth or private_key_jwt")
        }
        guard let leaf = try? Certificate(derEncoded: der) else { throw fail("the client certificate is not valid X.509") }
        let id: SPIFFEID
        do {
            id = try X509SVIDVerifier.spiffeID(ofLeaf: leaf)
        } catch {
            throw fail("the client certificate is not an X.509-SVID: \(error.reason)")
        }
        let spiffeID = id.description
        if let clientID = claimed, clientID != spiffeID {
            throw fail("client_id does not match the SPIFFE ID of the client certificate")
        }
        claimed = spiffeID
        if id.trustDomain != trustDomain {
            guard let federated, await federated.isFederated(id.trustDomain) else {
                throw fail("the client certificate is not from this trust domain or a federated one")
            }
        }
        let now = clock.now()
        guard leaf.notValidBefore <= now, now < leaf.notValidAfter else {
            throw fail("the client certificate is expired or not yet valid")
        }
        if let reason = try await currentRefusal(leaf: leaf, der: der, id: id) { throw fail(reason) }
        let identity: Identity?
        do {
            identity = try await identities.get(spiffeID: spiffeID)
        } catch {
            throw ClientAuthenticationFailure(
                error: OAuthError(.temporarilyUnavailable, "inventory unavailable", status: .serviceUnavailable),
                claimedClient: claimed)
        }
        guard let identity else { throw fail("unknown client") }
        // The handshake verified the certificate: refusals from here on name the client it proved to be.
        if case .ineligible(let reason) = identity.eligibility(at: now) {
            throw ClientAuthenticationFailure(
                error: OAuthError(.invalidClient, reason), claimedClient: claimed, verifiedClient: spiffeID)
        }
        guard identity.accepts(.tlsClientAuth) else {
            throw ClientAuthenticationFailure(
                error: OAuthError(.invalidClient, ClientAssertionVerifier.undeclared(.tlsClientAuth, identity)),
                claimedClient: claimed, verifiedClient: spiffeID)
        }
        return AuthenticatedClient(
            identity: identity, assertionJTI: "", replayExpiry: now, certificateThumbprint: Self.thumbprint(of: der))
    }
}
