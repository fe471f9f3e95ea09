import Foundation
import Hummingbird
import TesseraCore

/// People's sign-in (`/auth/login`, `/auth/callback`) and delegation (`/v1/delegations`).
struct LoginRoutes {
    let relyingParty: OIDCRelyingParty?
    let delegations: DelegationService
    let maximumBodySize: Int

    func register(public router: Router<TesseraRequestContext>, admin: RouterGroup<TesseraRequestContext>) {
        router.get("auth/login") { request, _ in
            guard let relyingParty else { throw Self.notConfigured }
            let returnTo = request.uri.queryParameters["return_to"].map(String.init)
            var headers = HTTPFields()
            headers[.location] = try await relyingParty.start(returnTo: returnTo)
            headers[.cacheControl] = "no-store"
            return Response(status: .found, headers: headers)
        }
        router.get("auth/callback") { request, context in
            guard let relyingParty else { throw Self.notConfigured }
            let query = request.uri.queryParameters
            if let error = query["error"] {
                throw ProblemDetails(.forbidden, "Sign-in refused", detail: "the IdP answered \(error.prefix(64))")
            }
            guard let code = query["code"].map(String.init), let state = query["state"].map(String.init) else {
                throw ProblemDetails.badRequest("code and state are required")
            }
            let signIn = try await relyingParty.finish(code: code, state: state, source: context.remoteAddress)
            let expiresIn = max(0, Int(signIn.expiresAt.timeIntervalSinceNow.rounded()))
            if let returnTo = signIn.returnTo, var components = URLComponents(string: returnTo) {
                components.queryItems =
                    (components.queryItems ?? []) + [
                        URLQueryItem(name: "session", value: signIn.session),
                        URLQueryItem(name: "role", value: signIn.role.rawValue),
                    ]
                var headers = HTTPFields()
                headers[.location] = components.string ?? returnTo
                headers[.cacheControl] = "no-store"
                return Response(status: .found, headers: headers)
            }
            var json = JSONWriter()
            json.field("session_token", signIn.session)
            json.field("token_type", "Bearer")
            json.field("sub", signIn.human)
            json.field("role", signIn.role.rawValue)
            json.field("expires_in", expiresIn)
            return Response.json(json.finish())
        }
        admin.post("delegations") { request, context in
            let body = try JSONObjectReader(try await request.adminBody(limit: maximumBodySize))
            let (token, expiresAt) = try await delegations.delegate(body, principal: try context.requireAdmin())
            var json = JSONWriter()
            json.field("delegation_token", token)
            json.field("token_type", "urn:ietf:params:oauth:token-type:access_token")
            json.field("expires_at", ISO8601.format(expiresAt))
            return Response.json(json.finish(), status: .created)
        }
    }

    static let notConfigured = ProblemDetails(
        .notFound, "Not configured", detail: "no human IdP is configured (tessera server --oidc-issuer ... --oidc-client-id ...)")
}
