import Crypto
import Foundation
import TesseraCore
import TesseraCrypto
import TesseraServer
import TesseraTestSupport
import Testing

/// Attacks on people's sign-in (docs/threat-model.md), over real HTTP with a stand-in IdP.
@Suite(.stopsServers) struct SignInAttackTests {
    static func pkce() -> (verifier: String, challenge: String) {
        let verifier = Base64URL.encode(Data((0..<32).map { _ in UInt8.random(in: 0...255) }))
        return (verifier, Base64URL.encode(Data(SHA256.hash(data: Data(verifier.utf8)))))
    }

    static func escape(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    /// Item 12: ~10,000 unauthenticated `GET /auth/login` used to fill the pending table (503 for everyone).
    @Test func loginFloodDoesNotLockOutARealSignIn() async throws {
        let idp = try HumanSignInTests.idp()
        defer { idp.stub.stop() }
        let server = try await HumanSignInTests.start(idp)
        let attacker = SignInBrowser()
        let total = 10_050
        let statuses = try await withThrowingTaskGroup(of: [Int].self) { group in
            for worker in 0..<32 {
                group.addTask {
                    var seen: [Int] = []
                    for _ in stride(from: worker, to: total, by: 32) {
                        seen.append(try await attacker.get(server.base + "/auth/login").status)
                    }
                    return seen
                }
            }
            return try await group.reduce(into: [Int]()) { $0 += $1 }
        }
        #expect(statuses.count == total)
        #expect(statuses.allSatisfy { $0 == 302 }, "\(Dictionary(grouping: statuses, by: { $0 }).mapValues(\.count))")
        let back = try await HumanSignInTests.signIn(
            server, idp: idp, claims: ["sub": "u-1", "email": "alice@example.com", "groups": ["ops"]])
        #expect(back.status == 200, "\(String(decoding: back.body, as: UTF8.self))")
        #expect(back.json["session_token"] is String)
    }

    /// Item 14: another IdP user with a mapped group and the victim's (unverified) email must not become the victim.
    @Test func unverifiedEmailCannotBecomeTheVictim() async throws {
        let idp = try HumanSignInTests.idp()
        defer { idp.stub.stop() }
        let server = try await HumanSignInTests.start(idp)
        let agent = try await server.registerWorkload("assistant", extra: ["kind": "ai-agent", "audiences": ["https://tool"]])

        let victimSignIn = try await HumanSignInTests.signIn(
            server, idp: idp,
            claims: ["sub": "victim-1", "email": "victim@example.com", "email_verified": true, "groups": ["ops"]])
        let victim = try #require(victimSignIn.json["session_token"] as? String)
        let task = try await server.admin(
            "POST", "/v1/tasks",
            json: ["intent": "pay invoices", "identities": [agent.clientID], "scopes": ["invoices:read"], "ttl": 600],
            token: victim)
        #expect(task.json["initiator"] as? String == idp.human("victim-1"))
        let taskID = try #require(task.json["id"] as? String)

        for verified in [false, true] {
            let mallorySignIn = try await HumanSignInTests.signIn(
                server, idp: idp,
                claims: ["sub": "mallory", "email": "victim@example.com", "email_verified": verified, "groups": ["ops"]])
            let mallory = try #require(mallorySignIn.json["session_token"] as? String)
            #expect(decodeClaims(mallory)["sub"] as? String == idp.human("mallory"))
            #expect(decodeClaims(mallory)["sub"] as? String != decodeClaims(victim)["sub"] as? String)
            if !verified { #expect(mallorySignIn.json["email"] == nil) }
            let stolen = try await server.admin(
                "POST", "/v1/delegations", json: ["task_id": taskID, "actor": agent.clientID], token: mallory)
            #expect(stolen.status == 403, "\(String(decoding: stolen.body, as: UTF8.self))")
        }
        // Her own IdP token, exchanged directly in the victim's task, is refused too.
        let idToken = try idp.key.mint(
            [
                "sub": "mallory", "email": "victim@example.com", "email_verified": false, "aud": "tessera-console",
                "groups": ["ops"],
            ],
            now: server.clock.now())
        let exchanged = try await server.form(
            "/oauth2/token",
            [
                "grant_type": TokenExchangeTests.grant, "subject_token": idToken, "subject_token_type": TokenExchangeTests.jwt,
                "actor_token": try agent.assertion(audience: server.tokenEndpoint, now: server.clock.now()),
                "actor_token_type": TokenExchangeTests.jwt, "audience": "https://tool", "task_id": taskID,
            ])
        #expect(exchanged.status != 200, "\(String(decoding: exchanged.body, as: UTF8.self))")
        // The victim still delegates in her task.
        let own = try await server.admin(
            "POST", "/v1/delegations", json: ["task_id": taskID, "actor": agent.clientID], token: victim)
        #expect(own.status == 201)
    }

    /// Item 18: the CLI's redirect is exact, PKCE is held by the CLI, and the session never lands in a URL.
    @Test func loginRedirectIsExactAndTheSessionNeverAppearsInAURL() async throws {
        let idp = try HumanSignInTests.idp()
        defer { idp.stub.stop() }
        let server = try await HumanSignInTests.start(idp)
        let (verifier, challenge) = Self.pkce()
        for redirect in [
            "http://127.0.0.1:9/done", "http://127.0.0.1:54321/done", "http://localhost:54321/tessera-login",
            "http://127.0.0.1:54321/tessera-login?x=1", "http://127.0.0.1:54321/tessera-login#x",
            "https://127.0.0.1:54321/tessera-login", "http://127.0.0.1:54321@evil.example/tessera-login",
            "http://127.0.0.1.evil.example:54321/tessera-login", "http://127.0.0.1:80/tessera-login",
            "http://127.0.0.1:054321/tessera-login", "http://127.0.0.1:54321/tessera-login/",
            "http://evil.example/tessera-login",
        ] {
            let reply = try await SignInBrowser().get(
                server.base + "/auth/login?redirect_uri=\(Self.escape(redirect))&code_challenge=\(challenge)")
            #expect(reply.status == 400, "\(redirect)")
        }
        let redirect = "http://127.0.0.1:54321/tessera-login"
        // A redirect without a challenge (PKCE not held by the CLI) and a malformed challenge are refused.
        #expect(try await SignInBrowser().get(server.base + "/auth/login?redirect_uri=\(Self.escape(redirect))").status == 400)
        #expect(
            try await SignInBrowser().get(
                server.base + "/auth/login?redirect_uri=\(Self.escape(redirect))&code_challenge=plain"
            ).status == 400)

        let login = "?redirect_uri=\(Self.escape(redirect))&code_challenge=\(challenge)"
        // Login CSRF: the attacker starts a sign-in, and the callback is opened in a victim's browser (which
        // does not hold the attacker's sign-in cookie): refused before the code is redeemed at the IdP.
        let attacker = SignInBrowser()
        let attackerStart = try await attacker.get(server.base + "/auth/login" + login)
        let attackerState = try #require(attackerStart.query("state"))
        let tokenCalls = idp.stub.hits("/token")
        let planted = try await SignInBrowser().get(server.base + "/auth/callback?code=abc&state=\(Self.escape(attackerState))")
        #expect(planted.status == 400)
        #expect(idp.stub.hits("/token") == tokenCalls)

        let browser = SignInBrowser()
        let back = try await HumanSignInTests.signIn(
            server, idp: idp, claims: ["sub": "u-1", "email": "a@example.com", "groups": ["ops"]], login: login,
            browser: browser)
        // Attacker finding F3: never straight to the listener (whoever started the sign-in chose it and holds the
        // verifier); a Tessera page names who signs in, with which role, to which local port, and a button continues.
        #expect(back.status == 200)
        #expect(back.location == nil)
        let page = String(decoding: back.body, as: UTF8.self)
        #expect(page.contains("port 54321") && page.contains("operator") && page.contains(idp.human("u-1")), "\(page)")
        let hidden = try #require(page.range(of: #"name="code" value=""#))
        let sealed = String(page[hidden.upperBound...].prefix { $0 != "\"" })
        #expect(try await browser.send("POST", server.base + "/auth/cli/continue", form: ["code": "forged"]).status == 400)
        let continued = try await browser.send("POST", server.base + "/auth/cli/continue", form: ["code": sealed])
        #expect(continued.status == 303)
        let location = try #require(continued.location)
        #expect(location.hasPrefix(redirect + "?code="))
        #expect(continued.locationComponents?.queryItems?.map(\.name) == ["code"])
        let code = try #require(continued.query("code"))

        func redeem(_ fields: [String: String]) async throws -> TestServer.Reply {
            try await server.form("/auth/token", fields)
        }
        // The code alone, a wrong verifier or another redirect get nothing.
        #expect(try await redeem(["code": code, "redirect_uri": redirect]).status == 400)
        #expect(try await redeem(["code": code, "code_verifier": Self.pkce().verifier, "redirect_uri": redirect]).status == 400)
        #expect(
            try await redeem(["code": code, "code_verifier": verifier, "redirect_uri": "http://127.0.0.1:54322/tessera-login"])
                .status == 400)
        let redeemed = try await redeem(["code": code, "code_verifier": verifier, "redirect_uri": redirect])
        #expect(redeemed.status == 200, "\(String(decoding: redeemed.body, as: UTF8.self))")
        let session = try #require(redeemed.json["session_token"] as? String)
        #expect(!location.contains(session))
        #expect(!location.contains("session"))
        #expect(decodeClaims(session)["sub"] as? String == idp.human("u-1"))
        #expect(try await server.admin("GET", "/v1/issuers", token: session).status == 200)
        // Single use.
        #expect(try await redeem(["code": code, "code_verifier": verifier, "redirect_uri": redirect]).status == 400)
        let signedIn = try await server.auditRecords().filter { $0["type"] as? String == "human.signed_in" }
        #expect(signedIn.count == 1)
    }

    /// The console's "Sign in with <IdP>". The one-time code comes back in the fragment of the
    /// console's own page (never a query string a proxy logs), bound to the PKCE challenge the console tab made;
    /// a code planted in another browser (login CSRF), replayed, or redeemed for another redirect gets nothing.
    @Test func consoleSignInDeliversACodeInTheFragmentThatOnlyItsTabCanRedeem() async throws {
        let idp = try HumanSignInTests.idp()
        defer { idp.stub.stop() }
        let server = try await HumanSignInTests.start(idp)
        let info = try await server.send("GET", "/auth/info")
        #expect(info.status == 200)
        let consoleRedirect = try #require(info.json["console_redirect_uri"] as? String)
        #expect(consoleRedirect == server.base + "/console/")
        #expect(info.json["name"] as? String == URLComponents(string: idp.stub.base)?.host)
        #expect(info.json["client_secret"] == nil)
        #expect(info.json["configured"] as? Bool == true)

        // A malformed challenge, or console and CLI parameters at once, are refused.
        #expect(try await SignInBrowser().get(server.base + "/auth/login?console_challenge=plain").status == 400)
        let (verifier, challenge) = Self.pkce()
        let mixed =
            "/auth/login?console_challenge=\(challenge)&redirect_uri=\(Self.escape("http://127.0.0.1:54321/tessera-login"))&code_challenge=\(challenge)"
        #expect(try await SignInBrowser().get(server.base + mixed).status == 400)

        let browser = SignInBrowser()
        let back = try await HumanSignInTests.signIn(
            server, idp: idp, claims: ["sub": "u-7", "email": "c@example.com", "groups": ["ops"]],
            login: "?console_challenge=\(challenge)", browser: browser)
        #expect(back.status == 302)
        let location = try #require(back.location)
        #expect(location.hasPrefix(consoleRedirect + "#code="), "\(location)")
        #expect(!location.contains("?"), "nothing rides in a query string")
        let code = String(location.dropFirst((consoleRedirect + "#code=").count))

        func redeem(_ fields: [String: String]) async throws -> TestServer.Reply { try await server.form("/auth/token", fields) }
        // Someone who saw the code (history, a planted link) but not the tab's verifier gets nothing; nor does
        // a redeem for the CLI's kind of redirect.
        #expect(
            try await redeem(["code": code, "code_verifier": Self.pkce().verifier, "redirect_uri": consoleRedirect]).status == 400
        )
        #expect(
            try await redeem(["code": code, "code_verifier": verifier, "redirect_uri": "http://127.0.0.1:54321/tessera-login"])
                .status == 400)
        let redeemed = try await redeem(["code": code, "code_verifier": verifier, "redirect_uri": consoleRedirect])
        #expect(redeemed.status == 200, "\(String(decoding: redeemed.body, as: UTF8.self))")
        let session = try #require(redeemed.json["session_token"] as? String)
        #expect(!location.contains(session))
        #expect(try await server.admin("GET", "/v1/console/whoami", token: session).json["role"] as? String != nil)
        #expect(try await redeem(["code": code, "code_verifier": verifier, "redirect_uri": consoleRedirect]).status == 400)
        let signedIn = try await server.auditRecords().filter { $0["type"] as? String == "human.signed_in" }
        #expect(signedIn.count == 1)
    }

    /// A callback replayed with the same state (and the same cookie) is refused.
    @Test func callbackStateIsSingleUse() async throws {
        let idp = try HumanSignInTests.idp()
        defer { idp.stub.stop() }
        let server = try await HumanSignInTests.start(idp)
        let browser = SignInBrowser()
        let start = try await browser.get(server.base + "/auth/login")
        let cookie = try #require(browser.cookie("tessera_signin"))
        let state = try #require(start.query("state"))
        let idToken = try idp.key.mint(
            ["sub": "u-9", "groups": ["ops"], "aud": "tessera-console", "nonce": try #require(start.query("nonce"))],
            now: server.clock.now())
        idp.stub.serve("/token", #"{"id_token":"\#(idToken)"}"#)
        let callback = server.base + "/auth/callback?code=abc&state=\(Self.escape(state))"
        #expect(try await browser.get(callback).status == 200)
        browser.setCookie("tessera_signin", cookie)
        #expect(try await browser.get(callback).status == 400)
        // A state altered by one character does not open.
        var altered = Array(state)
        altered[10] = altered[10] == "A" ? "B" : "A"
        #expect(try await browser.get(server.base + "/auth/callback?code=abc&state=\(String(altered))").status == 400)
    }
}
