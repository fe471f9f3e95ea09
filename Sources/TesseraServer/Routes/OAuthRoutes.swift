import Foundation
import Hummingbird
import TesseraCore
import TesseraCrypto

/// `/oauth2/token`, `/oauth2/introspect`, `/oauth2/revoke`.
struct OAuthRoutes {
    let tokens: TokenService
    let admins: AdminAuthenticator
    let maximumBodySize: Int

    func register(in router: Router<TesseraRequestContext>) {
        router.post("oauth2/token") { request, context in
            let started = ContinuousClock.now
            let form: FormBody
            do throws(OAuthError) {
                form = try await request.oauthForm(limit: maximumBodySize)
            } catch {
                tokens.recordRefusal(error, started: started)
                throw error
            }
            let basic = request.headers[.authorization]?.lowercased().hasPrefix("basic ") ?? false
            let proofs = request.headers[values: .init("DPoP")!]
            guard proofs.count <= 1 else { throw OAuthError(.invalidDPoPProof, "send at most one DPoP header") }
            let (token, signed) = try await tokens.token(
                form, remoteAddress: context.remoteAddress, basicAuthorization: basic,
                clientCertificate: await context.clientCertificate(), dpopProof: proofs.first)
            var json = JSONWriter()
            json.field("access_token", signed)
            json.field("token_type", token.dpopThumbprint == nil ? "Bearer" : "DPoP")
            json.field("expires_in", max(0, Int(token.expiresAt.timeIntervalSince(token.issuedAt).rounded())))
            if !token.scopes.isEmpty { json.field("scope", token.scopes.joined(separator: " ")) }
            json.field("issued_token_type", "urn:ietf:params:oauth:token-type:access_token")
            return Response.json(json.finish())
        }
        router.get("oauth2/revocations") { request, _ in
            let (body, etag) = try await tokens.revocationList()
            var headers = HTTPFields()
            headers[.eTag] = etag
            headers[.cacheControl] = "public, max-age=\(TokenService.revocationListValidity / 2)"
            if request.headers[.ifNoneMatch] == etag {
                return Response(status: .notModified, headers: headers)
            }
            headers[.contentType] = "application/jwt"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
        }
        router.post("oauth2/introspect") { request, context in
            let form = try await request.oauthForm(limit: maximumBodySize)
            let caller = try await caller(request, form: form, endpoint: "/oauth2/introspect", source: context.remoteAddress)
            return Response.json(try await tokens.introspect(form, caller: caller))
        }
        router.post("oauth2/revoke") { request, context in
            let form = try await request.oauthForm(limit: maximumBodySize)
            let caller = try await caller(request, form: form, endpoint: "/oauth2/revoke", source: context.remoteAddress)
            try await tokens.revoke(form, caller: caller)
            return Response.json(Data())
        }
    }

    /// Admin bearer token, or a client authenticated with private_key_jwt.
    private func caller(_ request: Request, form: FormBody, endpoint: String, source: String?) async throws -> EndpointCaller {
        if let authorization = request.headers[.authorization], authorization.lowercased().hasPrefix("bearer ") {
            guard let admin = try await admins.authenticate(authorization: authorization) else {
                throw OAuthError(.invalidClient, "the bearer token is not a valid admin token")
            }
            // Introspection reads (viewer and above); revocation changes state (operator and above).
            let needed: AdminRole = endpoint == "/oauth2/revoke" ? .operator : .viewer
            guard let role = AdminRole(rawValue: admin.role), role >= needed else {
                throw OAuthError(
                    .unauthorizedClient, "the \(admin.role) role may not call \(endpoint): it needs \(needed.rawValue) or above",
                    status: .forbidden)
            }
            return .admin(admin)
        }
        return try await tokens.authenticateCaller(form, endpoint: endpoint, remoteAddress: source)
    }
}
