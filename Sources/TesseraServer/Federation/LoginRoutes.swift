import Foundation
import Hummingbird
import NIOCore
import TesseraCore

/// People's sign-in (`/auth/login`, `/auth/callback`, `/auth/token` for `tessera login`) and delegation
/// (`/v1/delegations`).
struct LoginRoutes {
    let relyingParty: OIDCRelyingParty?
    let delegations: DelegationService
    let maximumBodySize: Int

    func register(public router: Router<TesseraRequestContext>, admin: RouterGroup<AdminRequestContext>) {
        router.get("auth/login") { request, _ in
            guard let relyingParty else { throw Self.notConfigured }
            let query = request.uri.queryParameters
            if query["return_to"] != nil {
                throw ProblemDetails.badRequest(
                    "return_to is no longer accepted: tessera login sends redirect_uri and code_challenge (update the CLI)")
            }
            let start = try await relyingParty.start(
                cliRedirect: query["redirect_uri"].map(String.init), cliChallenge: query["code_challenge"].map(String.init),
                consoleChallenge: query["console_challenge"].map(String.init))
            var headers = HTTPFields()
            headers[.location] = start.authorizeURL
            headers[.setCookie] = start.cookie
            headers[.cacheControl] = "no-store"
            return Response(status: .found, headers: headers)
        }
        // What the console's sign-in page needs to offer "Sign in with <IdP>": public, no secrets.
        router.get("auth/info") { _, _ in
            var json = JSONWriter()
            json.field("configured", relyingParty != nil)
            guard let relyingParty else {
                var response = Response.json(json.finish())
                response.headers[.cacheControl] = "no-store"
                return response
            }
            json.field("issuer", relyingParty.idp.issuer)
            json.field("name", relyingParty.idp.displayName)
            json.field("console_redirect_uri", relyingParty.consoleRedirect)
            var response = Response.json(json.finish())
            response.headers[.cacheControl] = "no-store"
            return response
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
            let cookie = Self.cookie(OIDCRelyingParty.cookieName, in: request.headers[values: .cookie])
            let completion = try await relyingParty.finish(
                code: code, state: state, cookie: cookie, source: context.remoteAddress)
            // The sign-in cookie has done its job.
            let expired = "\(OIDCRelyingParty.cookieName)=; Path=/auth; Max-Age=0; HttpOnly; SameSite=Lax"
            switch completion {
            case .cliRedirect(let location):
                var headers = HTTPFields()
                headers[.cacheControl] = "no-store"
                headers[.setCookie] = expired
                headers[.location] = location
                return Response(status: .found, headers: headers)
            case .cliConfirm(let confirmation):
                var response = Self.confirmationPage(confirmation)
                response.headers[.setCookie] = expired
                return response
            case .session(let signIn):
                var response = Self.sessionResponse(signIn)
                response.headers[.setCookie] = expired
                return response
            }
        }
        router.post("auth/cli/continue") { request, _ in
            guard let relyingParty else { throw Self.notConfigured }
            let bytes = try await request.adminBody(limit: 8192)
            guard let form = try? FormBody(parsing: bytes.readableBytesView), let code = form["code"] else {
                throw ProblemDetails.badRequest("the body must be a form with the sign-in code")
            }
            var headers = HTTPFields()
            headers[.cacheControl] = "no-store"
            headers[.location] = try await relyingParty.continueCLI(code: code)
            return Response(status: .seeOther, headers: headers)
        }
        router.post("auth/token") { request, context in
            guard let relyingParty else { throw Self.notConfigured }
            let bytes = try await request.adminBody(limit: 8192)
            let form: FormBody
            do {
                form = try FormBody(parsing: bytes.readableBytesView)
            } catch {
                throw ProblemDetails.badRequest("the body must be a form: code, code_verifier, redirect_uri")
            }
            guard let code = form["code"], let verifier = form["code_verifier"], let redirect = form["redirect_uri"] else {
                throw ProblemDetails.badRequest("code, code_verifier and redirect_uri are required")
            }
            let signIn = try await relyingParty.redeem(
                code: code, verifier: verifier, redirect: redirect, source: context.remoteAddress)
            return Self.sessionResponse(signIn)
        }
        admin.post("delegations") { request, context in
            let body = try JSONObjectReader(try await request.adminBody(limit: maximumBodySize))
            let (token, expiresAt) = try await delegations.delegate(body, principal: context.principal)
            var json = JSONWriter()
            json.field("delegation_token", token)
            json.field("token_type", "urn:ietf:params:oauth:token-type:access_token")
            json.field("expires_at", ISO8601.format(expiresAt))
            return Response.json(json.finish(), status: .created)
        }
    }

    /// The session in a JSON body (never in a URL).
    static func sessionResponse(_ signIn: OIDCRelyingParty.SignIn) -> Response {
        var json = JSONWriter()
        json.field("session_token", signIn.session)
        json.field("token_type", "Bearer")
        json.field("sub", signIn.human)
        if let email = signIn.email { json.field("email", email) }
        json.field("role", signIn.role.rawValue)
        json.field("expires_in", max(0, Int(signIn.expiresAt.timeIntervalSinceNow.rounded())))
        return Response.json(json.finish())
    }

    /// The page a person sees before a `tessera login` code goes to a loopback listener: who signs in, with which
    /// role, to which local port; a form button continues (no script; the page cannot be framed).
    static func confirmationPage(_ confirmation: OIDCRelyingParty.CLIConfirmation) -> Response {
        let port = URLComponents(string: confirmation.redirect)?.port.map(String.init) ?? "?"
        let html = """
            <!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="referrer" content="no-referrer">
            <title>Finish tessera login</title></head><body>
            <h1>Finish signing in with <code>tessera login</code></h1>
            <p>A <code>tessera login</code> command on this computer (listening on port \(port)) will receive a Tessera
            session for <strong>\(Self.escapeHTML(confirmation.person))</strong> with the role
            <strong>\(confirmation.role.rawValue)</strong>.</p>
            <p>Continue only if you ran <code>tessera login</code> yourself just now. If you opened a link someone sent
            you, close this page: continuing would give them your session.</p>
            <form method="post" action="/auth/cli/continue">
            <input type="hidden" name="code" value="\(Self.escapeHTML(confirmation.code))">
            <button type="submit">Continue to tessera login</button></form>
            </body></html>
            """
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.cacheControl] = "no-store"
        headers[.init("Content-Security-Policy")!] =
            "default-src 'none'; form-action 'self' http://127.0.0.1:*; frame-ancestors 'none'; base-uri 'none'"
        headers[.init("X-Frame-Options")!] = "DENY"
        headers[.init("Referrer-Policy")!] = "no-referrer"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    static func escapeHTML(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }

    /// The value of cookie `name` in `Cookie` headers.
    static func cookie(_ name: String, in headers: [String]) -> String? {
        for header in headers {
            for pair in header.split(separator: ";") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                if parts.count == 2, parts[0].trimmingCharacters(in: .whitespaces) == name {
                    return parts[1].trimmingCharacters(in: .whitespaces)
                }
            }
        }
        return nil
    }

    static let notConfigured = ProblemDetails(
        .notFound, "Not configured", detail: "no human IdP is configured (tessera server --oidc-issuer ... --oidc-client-id ...)")
}
