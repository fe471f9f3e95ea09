import Testing

@testable import TesseraPolicy

@Suite struct RequestValidatorTests {
    let ctx: [String: Value] = ["ip": .ext(.ipaddr(IPAddress("1.2.3.4")!)), "score": .ext(.decimal(1)), "mfa": .bool(true)]

    func request(_ p: String = "User", a: String = "view", r: String = "Photo", context: [String: Value]? = nil) -> Request {
        Request(
            principal: uid("PhotoApp::\(p)", "x"), action: uid("PhotoApp::Action", a), resource: uid("PhotoApp::\(r)", "y"),
            context: context ?? ctx)
    }

    @Test func conformingRequestPasses() throws {
        try RequestValidator.validate(request(), schema: try Fixtures.photoSchema())
    }

    @Test func nonConformingRequestsFail() throws {
        let schema = try Fixtures.photoSchema()
        var bad = ctx
        bad["mfa"] = .string("yes")
        var missing = ctx
        missing["ip"] = nil
        var extra = ctx
        extra["other"] = .long(1)
        for r in [
            request("Photo"), request(r: "User"), request(a: "nope"), request(context: bad), request(context: missing),
            request(context: extra),
        ] {
            #expect(throws: CedarError.self) { try RequestValidator.validate(r, schema: schema) }
        }
    }

    @Test func requestsDecodeFromJSON() throws {
        let schema = try Fixtures.photoSchema()
        let json = try JSONValue.parse(
            #"{"principal": "PhotoApp::User::\"alice\"", "action": {"type": "PhotoApp::Action", "id": "view"},"#
                + #" "resource": {"__entity": {"type": "PhotoApp::Photo", "id": "beach.jpg"}},"#
                + #" "context": {"ip": "10.0.0.1", "score": "0.5", "mfa": false}}"#)
        let r = try Request.fromJSON(json, schema: schema)
        #expect(r.principal == uid("PhotoApp::User", "alice"))
        #expect(r.resource == uid("PhotoApp::Photo", "beach.jpg"))
        #expect(r.context["score"] == .decimal("0.5"))
        try RequestValidator.validate(r, schema: schema)
        #expect(throws: CedarError.self) { _ = try Request.fromJSON(try JSONValue.parse(#"{"action": "A::\"x\""}"#)) }
        #expect(throws: CedarError.self) { _ = try EntityUID.parse(#"User::"a" extra"#) }
    }
}
