import Testing

@testable import TesseraPolicy

@Suite struct DecisionInputTests {
    private func sample() -> DecisionInput {
        let principal = EntityUID(type: "Tessera::Workload", id: "spiffe://example.org/\"billing\"")
        let task = EntityUID(type: "Tessera::Task", id: "t-1")
        return DecisionInput(
            request: Request(
                principal: principal, action: EntityUID(type: "Tessera::Action", id: "issue_token"),
                resource: EntityUID(type: "Tessera::Audience", id: "payments"),
                context: [
                    "scopes": .set([.string("a:read"), .string("b:write")]), "depth": .long(-3), "flag": .bool(true),
                    "time": .ext(.datetime(1_765_000_000_123)), "before": .ext(.datetime(-86_400_001)),
                    "ip": .ipaddr("10.0.0.0/8")!, "ip6": .ipaddr("::1")!, "ratio": .ext(.decimal(12_345)),
                    "ttl": .ext(.duration(-90_000)), "task": .entity(task), "nested": .record(["x": .string("é\n\u{1}")]),
                ]),
            entities: [
                Entity(
                    uid: principal, attributes: ["status": .string("active"), "findings": .set([])],
                    parents: [EntityUID(type: "Tessera::TrustBoundary", id: "corp")], tags: ["t": .long(1)])
            ],
            defaults: [Entity(uid: EntityUID(type: "Tessera::Audience", id: "payments"))], decision: .deny)
    }

    @Test func roundTripsEveryValueKindToTheSameCanonicalText() throws {
        let input = sample()
        let text = input.json
        let back = try DecisionInput.parse(text)
        #expect(back.json == text)
        #expect(back.decision == .deny)
        #expect(back.request.context == input.request.context)
        #expect(back.request.principal == input.request.principal)
        #expect(back.entities.first?.parents == input.entities.first?.parents)
        #expect(back.entities.first?.attributes == input.entities.first?.attributes)
        #expect(back.entities.first?.tags == ["t": .long(1)])
        #expect(back.defaults.map(\.uid) == input.defaults.map(\.uid))
    }

    @Test func formatsDatetimesAsCedarReadsThem() throws {
        #expect(CedarInstant.format(milliseconds: 0) == "1970-01-01T00:00:00.000Z")
        #expect(CedarInstant.format(milliseconds: 951_782_400_007) == "2000-02-29T00:00:00.007Z")
        #expect(CedarInstant.format(milliseconds: -1) == "1969-12-31T23:59:59.999Z")
        for ms: Int64 in [0, -1, 951_782_400_007, 4_102_444_799_999, 1_765_000_000_123] {
            let value = try ExtensionFunction.datetime.apply([.string(CedarInstant.format(milliseconds: ms))])
            #expect(value == .ext(.datetime(ms)))
        }
    }

    @Test func defaultsApplyOnlyWhereThePolicySetDeclaresNoEntity() throws {
        let audience = EntityUID(type: "Tessera::Audience", id: "payments")
        let declared = try Entities([Entity(uid: audience, attributes: ["environment": .string("prod")])])
        let input = sample()
        #expect(try input.entities(over: declared)[audience]?.attributes["environment"] == .string("prod"))
        #expect(try input.entities(over: Entities([]))[audience]?.attributes.isEmpty == true)
    }

    @Test func refusesInputsThatAreNotOne() {
        for text in ["", "[]", "{}", #"{"request":{"action":{"type":"A","id":"x"}}}"#, #"{"decision":"maybe","request":{}}"#] {
            #expect(throws: CedarError.self) { try DecisionInput.parse(text) }
        }
    }
}
