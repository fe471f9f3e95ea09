import Testing

@testable import TesseraPolicy

@Suite struct EvaluatorTests {
    static let alice = Entity(
        uid: uid("User", "alice"),
        attributes: [
            "age": .long(30), "name": .string("Alice"), "profile": .record(["team": .string("core")]),
            "roles": .set([.string("admin"), .string("dev")]),
        ],
        parents: [uid("Group", "eng")], tags: ["clearance": .string("high")])
    static let world = [
        alice, Entity(uid: uid("Group", "eng"), parents: [uid("Group", "all")]), Entity(uid: uid("Group", "all")),
    ]

    @Test(arguments: [
        ("1 + 2 * 3 == 7", Outcome.allow),
        ("-(-5) == 5", .allow),
        ("9223372036854775807 + 1 == 0", .error),
        ("-9223372036854775807 - 2 == 0", .error),
        ("3037000500 * 3037000500 > 0", .error),
        ("!(1 < 2) || 2 <= 2", .allow),
        ("true || (1 + \"a\")", .allow),
        ("false && (1 + \"a\")", .deny),
        ("true && 1", .error),
        ("if 1 < 2 then \"a\" == \"a\" else 1", .allow),
        ("if 1 then true else true", .error),
        ("\"abc\" like \"a*c\"", .allow),
        ("\"a*c\" like \"a\\*c\"", .allow),
        ("\"abc\" like \"a\\*c\"", .deny),
        ("\"\" like \"*\"", .allow),
        ("\"banana\" like \"*an*na\"", .allow),
        ("[1, 2, 3].contains(2)", .allow),
        ("[1, 2, 3].containsAll([3, 1])", .allow),
        ("[1, 2].containsAny([5, 6])", .deny),
        ("[].isEmpty()", .allow),
        ("[1, [2]] == [[2], 1, 1]", .allow),
        ("{a: 1, b: \"x\"} == {b: \"x\", a: 1}", .allow),
        ("{a: 1}.a == 1 && {a: 1}[\"a\"] == 1", .allow),
        ("{a: 1}.b == 1", .error),
        ("{a: {b: 1}} has a.b", .allow),
        ("1 == \"1\"", .deny),
        ("User::\"x\" == User::\"x\"", .allow),
        ("User::\"x\" is User && !(User::\"x\" is Group)", .allow),
        ("1 is User", .error),
        ("\"a\" < \"b\"", .error),
        ("decimal(\"1.5\") == decimal(\"1.50\")", .allow),
        ("decimal(\"1.5\") < decimal(\"2.0\")", .error),
    ])
    func expressions(_ expr: String, _ expected: Outcome) throws {
        #expect(try eval(expr) == expected, "\(expr)")
    }

    @Test(arguments: [
        ("principal.age >= 18 && principal.name like \"A*\"", Outcome.allow),
        ("principal.missing == 1", .error),
        ("principal has missing", .deny),
        ("principal has profile.team && principal.profile.team == \"core\"", .allow),
        ("principal has profile.nope", .deny),
        ("principal in Group::\"all\"", .allow),
        ("principal in [Group::\"x\", Group::\"eng\"]", .allow),
        ("principal in Group::\"nope\"", .deny),
        ("principal in [1]", .error),
        ("Group::\"all\" in principal", .deny),
        ("User::\"ghost\" in User::\"ghost\"", .allow),
        ("User::\"ghost\".age > 1", .error),
        ("User::\"ghost\" has age", .deny),
        ("principal.roles.contains(\"admin\")", .allow),
        ("principal.hasTag(\"clearance\") && principal.getTag(\"clearance\") == \"high\"", .allow),
        ("principal.getTag(\"nope\") == 1", .error),
        ("User::\"ghost\".hasTag(\"x\")", .deny),
        ("context.env == \"prod\" && context has env", .allow),
    ])
    func entityExpressions(_ expr: String, _ expected: Outcome) throws {
        #expect(try eval(expr, context: ["env": .string("prod")], entities: Self.world) == expected, "\(expr)")
    }

    @Test func likeMatchesUnicodeScalars() {
        let p = LikePattern(pieces: [.char("é"), .wildcard, .char("ü")])
        #expect(p.matches("éabcü"))
        #expect(p.matches("éü"))
        #expect(!p.matches("eü"))
    }

    @Test func standaloneExpressionsEvaluate() throws {
        let request = Request(
            principal: uid("User", "alice"), action: uid("Action", "view"), resource: uid("Photo", "p"),
            context: ["n": 41])
        let store = try Entities(Self.world)
        #expect(try Authorizer.evaluate("context.n + 1", request: request, entities: store) == .long(42))
        #expect(try Authorizer.evaluate("principal.profile", request: request, entities: store) == ["team": "core"])
        #expect(throws: CedarError.self) { _ = try Authorizer.evaluate("context.n +", request: request, entities: store) }
        #expect(throws: CedarError.self) { _ = try Authorizer.evaluate("1 1", request: request, entities: store) }
        #expect(throws: CedarError.self) { _ = try Authorizer.evaluate("principal.nope", request: request, entities: store) }
    }
}
