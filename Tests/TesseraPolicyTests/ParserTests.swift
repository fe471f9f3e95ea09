import Testing

@testable import TesseraPolicy

@Suite struct ParserTests {
    @Test func scopesOfEveryShape() throws {
        let set = try PolicySet.parse(
            """
            permit(principal, action, resource);
            permit(principal == User::"a", action == Action::"view", resource in Album::"x");
            permit(principal is User, action in [Action::"a", Action::"b"], resource is Photo in Album::"x");
            forbid(principal in Team::"t", action in Action::"g", resource == NS::Sub::Photo::"p");
            """)
        #expect(set.policies.map(\.id) == ["policy0", "policy1", "policy2", "policy3"])
        let p = set.policies
        #expect(p[0].principal == .any && p[0].action == .any && p[0].resource == .any)
        #expect(p[1].principal == .equal(.uid(uid("User", "a"))))
        #expect(p[1].action == .equal(uid("Action", "view")))
        #expect(p[2].principal == .isType("User"))
        #expect(p[2].action == .isIn([uid("Action", "a"), uid("Action", "b")]))
        #expect(p[2].resource == .isTypeIn("Photo", .uid(uid("Album", "x"))))
        #expect(p[3].effect == .forbid)
        #expect(p[3].action == .isIn([uid("Action", "g")]))
        #expect(p[3].resource == .equal(.uid(uid("NS::Sub::Photo", "p"))))
    }

    @Test func idAnnotationNamesThePolicyUnlessDisabled() throws {
        let text = #"@id("first") @note permit(principal, action, resource); permit(principal, action, resource);"#
        #expect(try PolicySet.parse(text).policies.map(\.id) == ["first", "policy1"])
        #expect(try PolicySet.parse(text, useIDAnnotations: false).policies.map(\.id) == ["policy0", "policy1"])
        #expect(try PolicySet.parse(text).policies[0].annotation("note") == "")
    }

    @Test func duplicateIDsAreRejected() {
        #expect(throws: CedarError.self) {
            _ = try PolicySet.parse(
                #"@id("x") permit(principal, action, resource); @id("x") forbid(principal, action, resource);"#)
        }
    }

    @Test func operatorsDesugarLikeCedar() throws {
        let p = try PolicySet.parse("permit(principal, action, resource) when { 1 > 2 && 3 >= 4 && 5 != 6 };").policies[0]
        let body = try #require(p.body)
        let expected: Expr = .and([
            .not(.binary(.lessEqual, .value(.long(1)), .value(.long(2)))),
            .not(.binary(.less, .value(.long(3)), .value(.long(4)))),
            .not(.binary(.equal, .value(.long(5)), .value(.long(6)))),
        ])
        #expect(body == expected)
    }

    @Test func nestedHasExpandsToAChain() throws {
        let p = try PolicySet.parse("permit(principal, action, resource) when { principal has a.b };").policies[0]
        let expected: Expr = .and([.hasAttr(.variable(.principal), "a"), .hasAttr(.getAttr(.variable(.principal), "a"), "b")])
        #expect(p.body == expected)
    }

    @Test func conditionsFoldToTheRight() throws {
        let p = try PolicySet.parse("permit(principal, action, resource) when { true } unless { false } when { 1 == 1 };")
            .policies[0]
        let one: Expr = .value(.long(1))
        let expected: Expr = .and([.value(.bool(true)), .and([.not(.value(.bool(false))), .binary(.equal, one, one)])])
        #expect(p.body == expected)
    }

    @Test func integerLiteralsAtTheEdges() throws {
        #expect(try eval("-9223372036854775808 < 0") == .allow)
        #expect(throws: CedarError.self) { try eval("9223372036854775808 > 0") }
    }

    @Test(arguments: [
        ("permit(principal, action, resource)", 1, 36),  // missing ;
        ("permit(principal, action)\n;", 1, 25),
        ("permit(principal, action, resource) when { 1 < 2 < 3 };", 1, 50),
        ("permit(principal, action, resource) when { };", 1, 37),
        ("allow(principal, action, resource);", 1, 1),
        ("permit(principal, action == User::\"x\", resource);", 1, 29),
        ("permit(principal, action, resource) when { principal.foo( };", 1, 59),
        ("permit(principal, action, resource) when { bogus(1) };", 1, 44),
        ("permit(principal, action, resource) when { x };", 1, 44),
        ("permit(principal, action, resource) when { 1 / 2 };", 1, 46),
        ("permit(principal == ?resource, action, resource);", 1, 21),
        ("permit(principal, action, resource) when { {a: 1, a: 2} };", 1, 51),
    ])
    func malformedPoliciesReportPositions(_ text: String, _ line: Int, _ column: Int) {
        do {
            _ = try PolicySet.parse(text)
            Issue.record("expected a parse error for \(text)")
        } catch {
            #expect(error.code == .parse)
            #expect(error.line == line, "\(error)")
            #expect(error.column == column, "\(error)")
        }
    }

    @Test func deepNestingIsRefusedCleanly() {
        let deep = String(repeating: "(", count: 5000) + "true" + String(repeating: ")", count: 5000)
        do {
            _ = try PolicySet.parse("permit(principal, action, resource) when { \(deep) };")
            Issue.record("expected a limit error")
        } catch {
            #expect(error.code == .limit)
        }
    }

    @Test func templatesAreKeptApartAndLinked() throws {
        let set = try PolicySet.parse(
            #"@id("t") permit(principal == ?principal, action, resource in ?resource); permit(principal, action, resource);"#)
        #expect(set.templates.map(\.id) == ["t"])
        #expect(set.policies.count == 1)
        let linked = try set.linking(
            template: "t", as: "t-alice", slots: [.principal: uid("User", "alice"), .resource: uid("Album", "a")])
        let p = try #require(linked.policy(id: "t-alice"))
        #expect(p.principal == .equal(.uid(uid("User", "alice"))))
        #expect(p.templateID == "t")
        #expect(throws: CedarError.self) { _ = try set.linking(template: "t", as: "bad", slots: [.principal: uid("User", "a")]) }
        #expect(throws: CedarError.self) {
            _ = try PolicySet.parse("permit(principal, action, resource) when { ?principal == principal };")
        }
    }

    @Test func multipleFilesNumberAcrossFilesAndNameTheFileInErrors() throws {
        let set = try PolicySet.parse(files: [
            (name: "a.cedar", text: "permit(principal, action, resource);"),
            (name: "b.cedar", text: "forbid(principal, action, resource);"),
        ])
        #expect(set.policies.map(\.id) == ["policy0", "policy1"])
        do {
            _ = try PolicySet.parse(files: [(name: "ok.cedar", text: ""), (name: "bad.cedar", text: "\npermit(principal);")])
            Issue.record("expected an error")
        } catch {
            #expect(error.source == "bad.cedar")
            #expect(error.line == 2)
            #expect(error.description.hasPrefix("parse error in bad.cedar at 2:"))
        }
    }

    /// Acceptance decisions recorded from Rust Cedar (cedarpy) for tricky syntax.
    @Test func acceptsExactlyWhatCedarAccepts() throws {
        let lines = try Fixtures.text("parser/cedar-acceptance.txt").split(separator: "\n").filter { !$0.hasPrefix("#") }
        #expect(lines.count > 30)
        for line in lines {
            let ok = line.hasPrefix("OK ")
            let policy = String(line.dropFirst(ok ? 3 : 4))
            let accepted = (try? PolicySet.parse(policy)) != nil
            #expect(accepted == ok, "\(policy)")
        }
    }
}
