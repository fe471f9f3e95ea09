import Testing

@testable import TesseraPolicy

/// Cedar's JSON policy format (`policies.json` was produced by Rust Cedar from `policies.cedar`).
@Suite struct PolicySetJSONTests {
    @Test func jsonAndTextFormsAgree() throws {
        let fromJSON = try PolicySet.fromJSON(try Fixtures.text("photoapp/policies.json"))
        let fromText = try PolicySet.parse(try Fixtures.text("photoapp/policies.cedar"), useIDAnnotations: false)
        #expect(fromJSON.templates.map(\.id) == ["policy5"])
        #expect(Set(fromJSON.policies.map(\.id)) == Set(fromText.policies.map(\.id) + ["bob-trip"]))
        for p in fromText.policies {
            let q = try #require(fromJSON.policy(id: p.id))
            #expect(q.effect == p.effect && q.principal == p.principal && q.action == p.action && q.resource == p.resource)
            #expect(q.conditions.map(\.body) == p.conditions.map(\.body), "\(p.id)")
            #expect(q.annotation("id") == p.annotation("id"))
        }
        let linked = try #require(fromJSON.policy(id: "bob-trip"))
        #expect(linked.principal == .equal(.uid(uid("PhotoApp::User", "bob"))))
        #expect(linked.resource == .isIn(.uid(uid("PhotoApp::Album", "trip"))))
        #expect(Validator.validate(fromJSON, schema: try Fixtures.photoSchema()).isValid)
    }

    @Test func singlePolicyObject() throws {
        let set = try PolicySet.fromJSON(
            #"{"effect": "forbid", "principal": {"op": "All"}, "action": {"op": "in", "entities": [{"type": "Action", "id": "a"}]},"#
                + #" "resource": {"op": "is", "entity_type": "Doc"}, "conditions": [{"kind": "unless", "body": {">=": {"left": {"Value": 2}, "right": {"Value": 1}}}}]}"#
        )
        let p = try #require(set.policies.first)
        #expect(p.effect == .forbid && p.resource == .isType("Doc"))
        #expect(p.body == .not(.not(.binary(.less, .value(.long(2)), .value(.long(1))))))
    }

    @Test(arguments: [
        (#"{"effect": "allow"}"#, "$.effect"),
        (#"{"effect": "permit", "principal": {"op": "All"}, "action": {"op": "All"}, "resource": {"op": "near"}}"#, "$.resource"),
        (
            #"{"staticPolicies": {"p": {"effect": "permit", "principal": {"op": "All"}, "action": {"op": "All"}, "resource": {"op": "All"}, "conditions": [{"kind": "when", "body": {"??": {}}}]}}}"#,
            "$.staticPolicies.p.conditions[0].body.??"
        ),
        (#"{"templateLinks": [{"templateId": "nope", "newId": "x", "values": {}}]}"#, "$.templateLinks[0]"),
    ])
    func errorsHaveJSONPaths(_ text: String, _ path: String) {
        do {
            _ = try PolicySet.fromJSON(text)
            Issue.record("expected an error")
        } catch {
            #expect(error.path == path, "\(error)")
        }
    }
}
