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
}
