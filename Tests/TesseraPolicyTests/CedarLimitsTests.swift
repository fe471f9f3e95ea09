import Testing

@testable import TesseraPolicy

/// Hostile sizes are refused cleanly, and anything under the limits is handled without exhausting the stack.
@Suite struct CedarLimitsTests {
    @Test func longLogicalChainsAreFlat() throws {
        let n = CedarLimits.maxChainLength
        let chain = Array(repeating: "principal.level > 1", count: n).joined(separator: " || ")
        let text = "permit(principal is PhotoApp::User, action, resource) when { \(chain) };"
        let set = try PolicySet.parse(text)
        let request = Request(
            principal: uid("PhotoApp::User", "alice"), action: uid("PhotoApp::Action", "view"),
            resource: uid("PhotoApp::Photo", "beach.jpg"))
        #expect(Authorizer.isAuthorized(request, policies: set, entities: try Fixtures.photoEntities()).decision == .allow)
        #expect(Validator.validate(set, schema: try Fixtures.photoSchema()).isValid)
    }

    @Test func deepestAcceptedExpressionsEvaluateAndValidate() throws {
        let schema = try Fixtures.photoSchema()
        let entities = try Fixtures.photoEntities()
        let request = Request(
            principal: uid("PhotoApp::User", "alice"), action: uid("PhotoApp::Action", "view"),
            resource: uid("PhotoApp::Photo", "beach.jpg"))
        let d = CedarLimits.maxDepth - 5
        let shapes = [
            String(repeating: "(", count: d) + "principal.level > 1" + String(repeating: ")", count: d),
            String(repeating: "if true then ", count: d / 2) + "true" + String(repeating: " else false", count: d / 2),
            "principal.level" + String(repeating: " + 1", count: d - 5) + " > 0",
            String(repeating: "[", count: d) + "1" + String(repeating: "]", count: d) + " != [2]",
            String(repeating: "!", count: 4) + "(" + String(repeating: "!(", count: d / 2) + "true"
                + String(repeating: ")", count: d / 2 + 1),
        ]
        for body in shapes {
            let set = try PolicySet.parse("permit(principal is PhotoApp::User, action, resource) when { \(body) };")
            #expect(Authorizer.isAuthorized(request, policies: set, entities: entities).errors.isEmpty)
            _ = Validator.validate(set, schema: schema)
        }
    }

    @Test(arguments: ["1 + ", "(", "2 * ", "-", "!", "[", "context.a"])
    func overlongChainsAreRefused(_ op: String) {
        let chain = String(repeating: op, count: CedarLimits.maxDepth + 5) + "1"
        do {
            _ = try PolicySet.parse("permit(principal, action, resource) when { \(chain) };")
            Issue.record("expected a refusal")
        } catch {
            #expect(error.code == .limit || error.code == .parse)
            #expect(error.line == 1)
        }
    }

    @Test func longAttributeChainsAreRefused() {
        let chain = "context" + String(repeating: ".a", count: CedarLimits.maxDepth + 5)
        #expect(throws: CedarError.self) { _ = try PolicySet.parse("permit(principal, action, resource) when { \(chain) };") }
    }

    @Test func deepEntityChainsDoNotRecurse() throws {
        let n = 3000
        let entities = (0..<n).map { i in
            Entity(uid: uid("Node", "\(i)"), parents: i + 1 < n ? [uid("Node", "\(i + 1)")] : [])
        }
        let store = try Entities(entities)
        #expect(store.isIn(uid("Node", "0"), uid("Node", "\(n - 1)")))
        #expect(store.ancestors(of: uid("Node", "0")).count == n - 1)
    }

    @Test func hugeClosuresAreRefused() {
        let n = 4000  // a chain of 4000 has ~8M (entity, ancestor) pairs
        let entities = (0..<n).map { i in Entity(uid: uid("Node", "\(i)"), parents: i + 1 < n ? [uid("Node", "\(i + 1)")] : []) }
        do {
            _ = try Entities(entities)
            Issue.record("expected a limit error")
        } catch {
            #expect(error.code == .limit)
        }
    }

    @Test func cyclesAreTolerated() throws {
        let store = try Entities([
            Entity(uid: uid("G", "a"), parents: [uid("G", "b")]), Entity(uid: uid("G", "b"), parents: [uid("G", "a")]),
        ])
        #expect(store.isIn(uid("G", "a"), uid("G", "b")))
    }
}
