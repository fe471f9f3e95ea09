import Foundation
import Hummingbird
import Synchronization
import TesseraCore
import TesseraCrypto

/// Discovery: RFC 8414 metadata, OpenID Connect discovery for the OAuth issuer and the JWT-SVID issuer, the key
/// sets, and health.
struct WellKnownRoutes {
    let issuer: String
    let keys: KeyRing
    /// `https://HOST:PORT` of the mTLS listener, when there is one (RFC 8705 metadata).
    var mutualTLSBase: String? = nil
    /// The JWT-SVID issuer and the trust domain's current JWT-SVID keys, when JWT-SVIDs carry `iss`.
    var jwtSVIDIssuer: String? = nil
    var jwtSVIDKeys: JWTSVIDKeySource? = nil

    /// Where the server serves the JWT-SVID issuer's documents: `<issuer>/.well-known/openid-configuration` and
    /// `<issuer>/keys` map here when the JWT-SVID issuer is `<server>/jwt-svid`, or through a proxy or static copy.
    static let jwtSVIDPrefix = "jwt-svid"

    func register(in router: Router<TesseraRequestContext>) {
        let keys = self.keys
        let issuer = self.issuer
        let mutualTLSBase = self.mutualTLSBase
        // Discovery documents are cached by relying parties: five minutes, like the key set.
        @Sendable func cacheable(_ data: Data, type: String = "application/json") -> Response {
            var response = Response.json(data, cacheable: true)
            response.headers[.cacheControl] = "public, max-age=300"
            response.headers[.contentType] = type
            return response
        }
        // The RFC 8414 metadata and the OIDC discovery document built on it: once per set of key algorithms (a
        // rotation to another algorithm changes them).
        let built = Mutex<(algorithms: [String], metadata: Data, openID: Data)?>(nil)
        @Sendable func documents() -> (metadata: Data, openID: Data) {
            let algorithms = DiscoveryDocuments.algorithms(keys.published)
            if let held = built.withLock({ $0 }), held.algorithms == algorithms { return (held.metadata, held.openID) }
            let metadata = Self.metadata(issuer: issuer, mutualTLSBase: mutualTLSBase, algorithms: algorithms)
            let openID = DiscoveryDocuments.openIDConfiguration(metadata: metadata, algorithms: algorithms)
            built.withLock { $0 = (algorithms, metadata, openID) }
            return (metadata, openID)
        }
        router.get(".well-known/openid-configuration") { _, _ in cacheable(documents().openID) }
        let jwtSVIDIssuer = self.jwtSVIDIssuer
        let jwtSVIDKeys = self.jwtSVIDKeys
        @Sendable func jwtSVIDIssuerOrNotFound() throws -> (String, JWTSVIDKeySource) {
            guard let jwtSVIDIssuer, let jwtSVIDKeys else {
                throw ProblemDetails(
                    .notFound, "Not Found", detail: "no JWT-SVID issuer is configured (tessera server --jwt-issuer URL)")
            }
            return (jwtSVIDIssuer, jwtSVIDKeys)
        }
        router.get("\(Self.jwtSVIDPrefix)/.well-known/openid-configuration") { _, _ in
            let (issuer, source) = try jwtSVIDIssuerOrNotFound()
            return cacheable(
                DiscoveryDocuments.jwtSVIDConfiguration(issuer: issuer, algorithms: DiscoveryDocuments.algorithms(source.jwks)))
        }
        router.get("\(Self.jwtSVIDPrefix)/keys") { _, _ in
            let (_, source) = try jwtSVIDIssuerOrNotFound()
            return cacheable(DiscoveryDocuments.keySet(source.jwks), type: "application/jwk-set+json")
        }
        router.get(".well-known/jwks.json") { _, _ in
            // Read per request: a rotation (here or on another server) changes it.
            cacheable(keys.jwksDocument, type: "application/jwk-set+json")
        }
        router.get(".well-known/oauth-authorization-server") { _, _ in cacheable(documents().metadata) }
        router.get("healthz") { _, _ in Response.json(Data("{\"status\":\"ok\"}".utf8)) }
    }

    static func metadata(issuer: String, mutualTLSBase: String? = nil, algorithms signing: [String] = ["ES256"]) -> Data {
        let algorithms = JWSAlgorithm.allCases.map(\.rawValue)
        var json = JSONWriter()
        json.field("issuer", issuer)
        json.field("token_endpoint", issuer + "/oauth2/token")
        json.field("jwks_uri", issuer + "/.well-known/jwks.json")
        json.field("introspection_endpoint", issuer + "/oauth2/introspect")
        json.field("revocation_endpoint", issuer + "/oauth2/revoke")
        json.field("revocation_list_uri", issuer + "/oauth2/revocations")
        json.field("grant_types_supported", ["client_credentials", "urn:ietf:params:oauth:grant-type:token-exchange"])
        json.field("dpop_signing_alg_values_supported", ["ES256", "ES384", "EdDSA", "RS256", "PS256"])
        json.field("response_types_supported", [String]())
        json.field(
            "token_endpoint_auth_methods_supported",
            mutualTLSBase == nil ? ["private_key_jwt"] : ["private_key_jwt", ClientCertificateAuthenticator.method])
        json.field("token_endpoint_auth_signing_alg_values_supported", algorithms)
        json.field("introspection_endpoint_auth_methods_supported", ["private_key_jwt", "bearer"])
        json.field("introspection_endpoint_auth_signing_alg_values_supported", algorithms)
        json.field("revocation_endpoint_auth_methods_supported", ["private_key_jwt", "bearer"])
        json.field("revocation_endpoint_auth_signing_alg_values_supported", algorithms)
        json.field("access_token_signing_alg_values_supported", signing)
        if let mutualTLSBase {
            // RFC 8705 §3.3 and §5.
            json.field("tls_client_certificate_bound_access_tokens", true)
            var aliases = JSONWriter()
            aliases.field("token_endpoint", mutualTLSBase + "/oauth2/token")
            aliases.field("introspection_endpoint", mutualTLSBase + "/oauth2/introspect")
            aliases.field("revocation_endpoint", mutualTLSBase + "/oauth2/revoke")
            json.rawField("mtls_endpoint_aliases", json: String(decoding: aliases.finish(), as: UTF8.self))
        }
        return json.finish()
    }
}
