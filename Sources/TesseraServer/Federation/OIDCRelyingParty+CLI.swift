import Crypto
import Foundation
import TesseraCore
import TesseraCrypto

/// `tessera login` (RFC 8252 loopback redirect with PKCE held by the CLI), and the console's sign-in (the same
/// one-time code, delivered in the fragment of `/console/`, redeemed with the verifier the console tab holds).
///
/// The CLI picks a port, generates a PKCE verifier and sends `redirect_uri` (exactly
/// `http://127.0.0.1:<port>/tessera-login`) and `code_challenge` to `GET /auth/login`. After the IdP, the
/// browser is redirected to that exact URI with a **one-time code** (sealed, 60 s, bound to the challenge and
/// the redirect); the CLI redeems code + verifier with `POST /auth/token` and receives the session in the
/// response body. The session never appears in a URL, and a code intercepted on the way (browser history,
/// another local process on the port) is useless without the verifier that never left the CLI.
extension OIDCRelyingParty {
    static let cliPath = "/tessera-login"
    static let codePurpose = "tessera login code v1"
    /// A code must be redeemed within this long.
    static let codeLifetime: TimeInterval = 60

    struct CLICode: Codable {
        let id: String
        let person: Person
        let redirect: String
        let challenge: String
        let expiresAt: Date
    }

    /// Why `uri` is not an acceptable CLI redirect, or `nil`: it must be exactly
    /// `http://127.0.0.1:<port>/tessera-login` with a port in 1024...65535 (no other host, path, query,
    /// fragment or user information).
    static func cliRedirectRefusal(_ uri: String) -> String? {
        let prefix = "http://127.0.0.1:"
        let message = "redirect_uri must be exactly http://127.0.0.1:<port>\(cliPath) (the tessera login listener)"
        guard uri.hasPrefix(prefix), uri.hasSuffix(cliPath) else { return message }
        let port = uri.dropFirst(prefix.count).dropLast(cliPath.count)
        guard (4...5).contains(port.count), port.allSatisfy(\.isASCII), port.allSatisfy(\.isNumber), port.first != "0",
            let number = Int(port), (1024...65_535).contains(number)
        else { return message }
        return nil
    }

    /// An S256 challenge: base64url of 32 bytes.
    static func isChallenge(_ text: String) -> Bool {
        text.utf8.count == 43 && Base64URL.decode(text)?.count == 32
    }

    /// The loopback redirect carrying a one-time code for `person`.
    func cliCode(for person: Person, redirect: String, challenge: String, now: Date, inFragment: Bool = false)
        throws(ProblemDetails) -> String
    {
        let sealed = try sealCLICode(for: person, redirect: redirect, challenge: challenge, now: now)
        return try Self.location(redirect: redirect, code: sealed, inFragment: inFragment)
    }

    /// A sealed one-time code for `person`, bound to `redirect` and `challenge`.
    func sealCLICode(for person: Person, redirect: String, challenge: String, now: Date) throws(ProblemDetails) -> String {
        let code = CLICode(
            id: RandomToken.base64URL(bytes: 12), person: person, redirect: redirect, challenge: challenge,
            expiresAt: now.addingTimeInterval(Self.codeLifetime))
        do {
            return try seal.seal(code, purpose: Self.codePurpose)
        } catch {
            throw ProblemDetails(.internalServerError, "Error", detail: "could not complete the sign-in")
        }
    }

    /// `POST /auth/cli/continue`: the person confirmed; where the browser takes the code (the loopback listener the
    /// code is bound to). The code stays single use and useless without the CLI's verifier.
    func continueCLI(code: String) throws(ProblemDetails) -> String {
        guard let sealed = seal.open(code, as: CLICode.self, purpose: Self.codePurpose), sealed.expiresAt > clock.now(),
            Self.cliRedirectRefusal(sealed.redirect) == nil
        else { throw ProblemDetails.badRequest("the sign-in code is invalid or expired: run tessera login again") }
        return try Self.location(redirect: sealed.redirect, code: code, inFragment: false)
    }

    static func location(redirect: String, code sealed: String, inFragment: Bool) throws(ProblemDetails) -> String {
        // The console reads the code from the fragment, which browsers never send to a server or a proxy.
        if inFragment { return redirect + "#code=" + sealed }
        var components = URLComponents(string: redirect)
        components?.queryItems = [URLQueryItem(name: "code", value: sealed)]
        guard let url = components?.string else { throw ProblemDetails(.internalServerError, "Error", detail: "bad redirect") }
        return url
    }

    /// `POST /auth/token`: the CLI redeems its one-time code with the PKCE verifier; the session comes back in
    /// the response body. Refusals are uniform and not audited (they are unauthenticated); a success is the
    /// audited sign-in.
    func redeem(code: String, verifier: String, redirect: String, source: String?) async throws(ProblemDetails) -> SignIn {
        let now = clock.now()
        let refused = ProblemDetails.badRequest("the sign-in code is invalid, expired or already used: run tessera login again")
        guard let sealed = seal.open(code, as: CLICode.self, purpose: Self.codePurpose), sealed.expiresAt > now,
            Self.constantTimeEqual(sealed.redirect, redirect), (43...128).contains(verifier.utf8.count),
            Self.constantTimeEqual(Base64URL.encode(Data(SHA256.hash(data: Data(verifier.utf8)))), sealed.challenge)
        else { throw refused }
        guard used.claim(sealed.id, until: sealed.expiresAt, now: now) else { throw refused }
        return try await startSession(sealed.person, source: source)
    }
}
