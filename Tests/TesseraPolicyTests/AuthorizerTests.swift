import Testing

@testable import TesseraPolicy

@Suite struct AuthorizerTests {
    @Test func defaultDeny() throws {
        let r = try decide("")
        #expect(r.decision == .deny)
        #expect(r.reasons.isEmpty && r.errors.isEmpty)
    }

    @Test func forbidOverridesPermit() throws {
        let r = try decide(
            #"@id("p") permit(principal, action, resource); @id("f") forbid(principal == User::"alice", action, resource);"#)
        #expect(r.decision == .deny)
        #expect(r.reasons == ["f"])
    }

    @Test func reasonsListEveryDeterminingPolicy() throws {
        let r = try decide(
            "permit(principal, action, resource); permit(principal is User, action, resource); permit(principal is Group, action, resource);"
        )
        #expect(r.decision == .allow)
        #expect(Set(r.reasons) == ["policy0", "policy1"])
    }

    @Test func erroringPoliciesAreSkippedAndReported() throws {
        let r = try decide("forbid(principal, action, resource) when { principal.nope }; permit(principal, action, resource);")
        #expect(r.decision == .allow)
        #expect(r.reasons == ["policy1"])
        #expect(r.errors.map(\.policyID) == ["policy0"])
        #expect(r.errors[0].message.contains("does not exist"))
    }

    @Test func scopesUseTheTransitiveHierarchy() throws {
        let entities = [
            Entity(uid: uid("Photo", "p"), parents: [uid("Album", "a")]),
            Entity(uid: uid("Album", "a"), parents: [uid("Account", "acme")]),
            Entity(uid: uid("Action", "view"), parents: [uid("Action", "read")]),
        ]
        let text = """
            permit(principal, action in Action::"read", resource in Account::"acme");
            permit(principal, action == Action::"read", resource);
            permit(principal, action, resource is Photo in Album::"a");
            """
        let r = try decide(text, entities: entities)
        #expect(Set(r.reasons) == ["policy0", "policy2"])
    }

    @Test func photoAppDecisions() throws {
        let policies = try Fixtures.photoPolicies()
        let schema = try Fixtures.photoSchema()
        let entities = try Fixtures.photoEntities()
        let ctx = try Request.context(
            fromJSON: try JSONValue.parse(#"{"ip": "10.1.1.1", "score": "0.75", "mfa": true}"#), schema: schema,
            action: uid("PhotoApp::Action", "share"))
        let request = Request(
            principal: uid("PhotoApp::User", "alice"), action: uid("PhotoApp::Action", "share"),
            resource: uid("PhotoApp::Photo", "beach.jpg"), context: ctx)
        let r = Authorizer.isAuthorized(request, policies: policies, entities: entities)
        #expect(r.decision == .allow)
        #expect(Set(r.reasons) == ["owner-full-access", "friends-view"] || Set(r.reasons) == ["owner-full-access"])
        #expect(r.errors.isEmpty)
    }

    @Test func contextsCanBeWrittenAsLiterals() throws {
        let context: [String: Value] = [
            "env": "prod", "depth": 2, "mfa": true, "scopes": ["read", "write"], "task": ["id": "t-1"],
            "ip": try #require(.ipaddr("10.0.0.7")), "at": try #require(.datetime("2026-01-01T00:00:00Z")),
        ]
        let r = try decide(
            """
            permit(principal, action, resource) when {
              context.env == "prod" && context.depth < 3 && context.mfa && context.scopes.contains("read") &&
              context.task.id == "t-1" && context.ip.isInRange(ip("10.0.0.0/8")) && context.at > datetime("2025-12-31")
            };
            """, context: context)
        #expect(r.decision == .allow)
        #expect(Value.decimal("1.5") == .ext(.decimal(15000)))
        #expect(Value.duration(milliseconds: 5) == .ext(.duration(5)))
    }
}
