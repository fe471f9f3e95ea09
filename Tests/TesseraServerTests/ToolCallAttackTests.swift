import Foundation
import TesseraServer
import TesseraTestSupport
import Testing

/// An approval binds its upstream server and exact arguments,
/// and parallel calls cannot overrun the rate limit.
@Suite(.serialized, .stopsServers) struct ToolCallAttackTests {
    struct Setup {
        let server: TestServer
        let token: String
    }

    static func setUp(perMinute: Int = 120) async throws -> Setup {
        let server = try await TestServer.start { $0.toolCallsPerMinute = perMinute }
        let agent = try await server.agentInTask(
            "attack-agent", tools: [("search_tickets", "low"), ("transfer", "high")], taskTools: ["search_tickets", "transfer"])
        let token = agent.token
        return Setup(server: server, token: token)
    }

    static func call(_ setup: Setup, _ body: String) async throws -> TestServer.Reply {
        try await setup.server.send(
            "POST", "/v1/authorize/tool-call", body: Data(body.utf8), contentType: "application/json",
            headers: ["Authorization": "Bearer \(setup.token)"])
    }

    @Test func anApprovalForOneUpstreamDoesNotOpenAnother() async throws {
        let setup = try await Self.setUp()
        let pending = try await Self.call(setup, #"{"tool":"transfer","server":"bank-a","arguments":{"amount":5}}"#)
        #expect(pending.json["decision"] as? String == "approval_required", "\(pending.json)")
        let approvalID = try #require(pending.json["approval_id"] as? String)
        let shown = try await setup.server.admin("GET", "/v1/approvals?state=pending")
        let listed = (shown.json["approvals"] as? [[String: Any]])?.first { $0["id"] as? String == approvalID }
        #expect(listed?["server"] as? String == "bank-a", "the approver sees the upstream")
        #expect(try await setup.server.admin("POST", "/v1/approvals/\(approvalID)/approve", json: ["reason": "ok"]).status == 200)

        let elsewhere = try await Self.call(
            setup, #"{"tool":"transfer","server":"bank-b","arguments":{"amount":5},"approval_id":"\#(approvalID)"}"#)
        #expect(elsewhere.json["decision"] as? String == "deny", "\(elsewhere.json)")
        let unnamed = try await Self.call(setup, #"{"tool":"transfer","arguments":{"amount":5},"approval_id":"\#(approvalID)"}"#)
        #expect(unnamed.json["decision"] as? String == "deny")
        let approved = try await Self.call(
            setup, #"{"tool":"transfer","server":"bank-a","arguments":{"amount":5},"approval_id":"\#(approvalID)"}"#)
        #expect(approved.json["decision"] as? String == "allow", "\(approved.json)")
    }

    @Test func numbersADoubleCannotHoldApartAreRefused() async throws {
        let setup = try await Self.setUp()
        for literal in ["12345678901234567993", "9007199254740993", "0.12345678901234567", "1e-320"] {
            let reply = try await Self.call(setup, #"{"tool":"transfer","server":"bank-a","arguments":{"account":\#(literal)}}"#)
            #expect(reply.status == 400, "\(literal): \(reply.json)")
            #expect((reply.json["detail"] as? String ?? "").contains("exactly"))
        }
        // Numbers a double holds exactly, and big numbers sent as strings, are decided as usual.
        for arguments in [#"{"account":9007199254740992}"#, #"{"amount":12.5}"#, #"{"account":"12345678901234567993"}"#] {
            let reply = try await Self.call(setup, #"{"tool":"search_tickets","arguments":\#(arguments)}"#)
            #expect(reply.status == 200, "\(arguments): \(reply.json)")
        }
        // The two accounts that used to collapse into one digest now get two different approvals.
        let a = try await Self.call(setup, #"{"tool":"transfer","arguments":{"account":"12345678901234567992"}}"#)
        let b = try await Self.call(setup, #"{"tool":"transfer","arguments":{"account":"12345678901234567993"}}"#)
        #expect(a.json["approval_id"] as? String != nil)
        #expect(a.json["approval_id"] as? String != b.json["approval_id"] as? String)
    }

    /// Attacker finding F2: `{"account":"mine","account":"victim"}` was approved over one value while the tool,
    /// with a parser that keeps the other, would act on the other.
    @Test func aDuplicatedArgumentNameIsRefused() async throws {
        let setup = try await Self.setUp()
        let bodies = [
            #"{"tool":"transfer","server":"bank-a","arguments":{"account":"mine","account":"victim"}}"#,
            #"{"tool":"transfer","server":"bank-a","arguments":{"to":{"iban":"A","iban":"B"}}}"#,
            #"{"tool":"transfer","server":"bank-a","arguments":{"account":"mine","\u0061ccount":"victim"}}"#,
            #"{"tool":"transfer","tool":"search_tickets","arguments":{}}"#,
            // A NUL in a name: a parser that stops at NUL reads two `env` members.
            #"{"tool":"transfer","server":"bank-a","arguments":{"env\u0000":"prod","env":"staging"}}"#,
        ]
        for body in bodies {
            let reply = try await Self.call(setup, body)
            #expect(reply.status == 400, "\(body): \(reply.json)")
            #expect((reply.json["detail"] as? String ?? "").contains("occurs twice"), "\(reply.json)")
        }
        // The same bodies in UTF-16 or UTF-32 (which Foundation would decode) do not slip past the byte-level checks.
        let transcoded = bodies + [#"{"tool":"transfer","server":"bank-a","arguments":{"account":9007199254740993}}"#]
        for body in transcoded {
            for encoding in [String.Encoding.utf16LittleEndian, .utf16BigEndian, .utf16, .utf32LittleEndian] {
                let reply = try await setup.server.send(
                    "POST", "/v1/authorize/tool-call", body: Data(body.data(using: encoding) ?? Data()),
                    contentType: "application/json", headers: ["Authorization": "Bearer \(setup.token)"])
                #expect(reply.status == 400, "\(encoding): \(body): \(reply.json)")
                #expect((reply.json["detail"] as? String ?? "").contains("UTF-8"), "\(reply.json)")
            }
        }
        // The same name in sibling objects, in arrays, or as a string value is not a duplicate.
        for arguments in [
            #"{"a":{"id":1},"b":{"id":2}}"#, #"{"items":[{"id":1},{"id":2}]}"#, #"{"id":"id","note":"\"id\": 1"}"#,
        ] {
            let reply = try await Self.call(setup, #"{"tool":"search_tickets","arguments":\#(arguments)}"#)
            #expect(reply.status == 200, "\(arguments): \(reply.json)")
        }
    }

    @Test func parallelCallsCannotOverrunTheRateLimit() async throws {
        let setup = try await Self.setUp(perMinute: 20)
        let decisions = try await withThrowingTaskGroup(of: String.self) { group in
            for index in 0..<60 {
                group.addTask {
                    try await Self.call(setup, #"{"tool":"search_tickets","arguments":{"n":\#(index)}}"#).json["decision"]
                        as? String ?? "error"
                }
            }
            return try await group.reduce(into: [String]()) { $0.append($1) }
        }
        #expect(decisions.filter { $0 == "allow" }.count == 20, "\(decisions)")
        #expect(decisions.filter { $0 == "deny" }.count == 40)
    }
}
