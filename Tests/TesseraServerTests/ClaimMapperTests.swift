import Foundation
import TesseraCore
import TesseraCrypto
import TesseraTestSupport
import Testing

@testable import TesseraServer

@Suite(.stopsServers) struct ClaimMapperTests {
    let rules = [
        ClaimMappingRule(
            name: "deploy-main", match: ["repository": "acme/billing", "ref": "refs/heads/main"],
            identity: "spiffe://example.org/billing"),
        ClaimMappingRule(
            name: "any-release", match: ["repository": "acme/billing", "ref": "refs/tags/v*"],
            identity: "spiffe://example.org/billing-release"),
        ClaimMappingRule(
            name: "k8s", match: ["kubernetes.io.namespace": "payments", "sub": "system:serviceaccount:payments:*"],
            identity: "spiffe://example.org/payments"),
    ]

    @Test func globMatchesExactlyOrWithWildcards() {
        #expect(Glob.matches("refs/heads/main", "refs/heads/main"))
        #expect(!Glob.matches("refs/heads/main", "refs/heads/main2"))
        #expect(Glob.matches("refs/tags/v*", "refs/tags/v1.2.3"))
        #expect(Glob.matches("a*b*c", "aXXbYYc"))
        #expect(!Glob.matches("a*b*c", "aXXbYY"))
        #expect(Glob.matches("v?", "v1"))
        #expect(!Glob.matches("v?", "v12"))
        #expect(Glob.matches("*", ""))
        #expect(!Glob.matches("", "x"))
    }

    @Test func mapsToExactlyOneIdentity() {
        let claims = ExternalClaims(values: ["repository": "acme/billing", "ref": "refs/heads/main"])
        #expect(ClaimMapper.map(claims, rules: rules) == .mapped(identity: "spiffe://example.org/billing", rule: "deploy-main"))
        let tag = ExternalClaims(values: ["repository": "acme/billing", "ref": "refs/tags/v2.0"])
        #expect(
            ClaimMapper.map(tag, rules: rules) == .mapped(identity: "spiffe://example.org/billing-release", rule: "any-release"))
    }

    @Test func noRuleNoAccess() {
        #expect(
            ClaimMapper.map(ExternalClaims(values: ["repository": "acme/billing", "ref": "refs/heads/dev"]), rules: rules)
                == .noMatch)
        #expect(
            ClaimMapper.map(ExternalClaims(values: ["repository": "evil/billing", "ref": "refs/heads/main"]), rules: rules)
                == .noMatch)
        // A missing claim never matches, even against a wildcard.
        #expect(ClaimMapper.map(ExternalClaims(values: ["repository": "acme/billing"]), rules: rules) == .noMatch)
        #expect(ClaimMapper.map(ExternalClaims(values: ["ref": "x"]), rules: []) == .noMatch)
    }

    @Test func twoIdentitiesAreAmbiguous() {
        let overlapping =
            rules + [
                ClaimMappingRule(name: "broad", match: ["repository": "acme/*"], identity: "spiffe://example.org/other")
            ]
        let claims = ExternalClaims(values: ["repository": "acme/billing", "ref": "refs/heads/main"])
        #expect(
            ClaimMapper.map(claims, rules: overlapping)
                == .ambiguous(["spiffe://example.org/billing", "spiffe://example.org/other"]))
    }

    @Test func nestedKubernetesClaimsAreFlattened() throws {
        let payload = #"""
            {"iss":"https://k8s","sub":"system:serviceaccount:payments:api","aud":["tessera"],
             "kubernetes.io":{"namespace":"payments","serviceaccount":{"name":"api","uid":"1"}},"groups":["a","b"],"n":3}
            """#
        let claims = try #require(ExternalClaims(payload: Data(payload.utf8)))
        #expect(claims["kubernetes.io.namespace"] == "payments")
        #expect(claims["kubernetes.io.serviceaccount.name"] == "api")
        #expect(claims.lists["groups"] == ["a", "b"])
        #expect(claims["n"] == "3")
        #expect(ClaimMapper.map(claims, rules: rules) == .mapped(identity: "spiffe://example.org/payments", rule: "k8s"))
        #expect(ExternalClaims(payload: Data("[1,2]".utf8)) == nil)
    }

    @Test func actorChainRoundTripsAndRefusesDeepNesting() throws {
        let chain = ActorChain(subjects: ["tool", "agent"])
        let json = try #require(chain.json())
        #expect(json == #"{"sub":"tool","act":{"sub":"agent"}}"#)
        #expect(try JSONDecoder().decode(ActorChain.self, from: Data(json.utf8)) == chain)
        var deep = #"{"sub":"x"}"#
        for _ in 0..<20 { deep = #"{"sub":"x","act":"# + deep + "}" }
        #expect(throws: (any Error).self) { try JSONDecoder().decode(ActorChain.self, from: Data(deep.utf8)) }
        #expect(throws: (any Error).self) { try JSONDecoder().decode(ActorChain.self, from: Data(#"{"act":{"sub":"a"}}"#.utf8)) }
        #expect(ActorChain(subjects: []).json() == nil)
    }
}
