import Foundation
import TesseraAudit
import TesseraCore
import TesseraTestSupport
import Testing

@testable import TesseraServer

private let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

@Test(.stopsServers) func embeddedConsoleMatchesTheFilesInTheRepository() throws {
    func file(_ name: String) throws -> String {
        try String(contentsOf: repository.appendingPathComponent("console/\(name)"), encoding: .utf8)
    }
    #expect(ConsoleAssets.indexHTML == (try file("index.html")), "the EmbedFiles plugin embeds console/")
    #expect(ConsoleAssets.appJS == (try file("app.js")), "the EmbedFiles plugin embeds console/")
    #expect(ConsoleAssets.appCSS == (try file("app.css")), "the EmbedFiles plugin embeds console/")
    // Under a strict CSP nothing inline may be needed: no inline script, handler attributes or style attributes.
    let html = ConsoleAssets.indexHTML
    #expect(html.components(separatedBy: "<script").count == 2 && html.contains("<script src=\"/console/app.js\""))
    #expect(html.range(of: #"\son[a-z]+\s*="#, options: .regularExpression) == nil)
    #expect(!html.contains("style="))
    // Data never goes through innerHTML/outerHTML/insertAdjacentHTML/document.write, and the token never into localStorage.
    for sink in ["innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "localStorage.setItem", "eval("] {
        #expect(!ConsoleAssets.appJS.contains(sink), "app.js uses \(sink)")
    }
}

@Test(.stopsServers) func delegationGraphFollowsActChainsDelegationsAndToolCalls() throws {
    func record(_ json: String) throws -> AuditRecordContent {
        try JSONDecoder().decode(AuditRecordContent.self, from: Data(json.utf8))
    }
    let base = #""seq":1,"time":"2026-11-23T12:00:00.000Z","outcome":"success","prev":"0""#
    let records = try [
        record(
            #"{\#(base),"type":"token.issued","actor":"human:alice","subject":"human:alice","details":{"grant_type":"urn:tessera:delegation","may_act":"spiffe://example.org/agent","act_chain":[]}}"#
        ),
        record(
            #"{\#(base),"type":"token.issued","actor":"spiffe://example.org/agent","subject":"human:alice","details":{"act_chain":["spiffe://example.org/agent"]}}"#
        ),
        record(
            #"{\#(base),"type":"token.issued","actor":"spiffe://example.org/tool","subject":"human:alice","details":{"act_chain":["spiffe://example.org/tool","spiffe://example.org/agent"]}}"#
        ),
        record(
            #"{\#(base),"type":"tool.call.denied","actor":"spiffe://example.org/agent","subject":"spiffe://example.org/agent","details":{"tool":"wire","chain":["human:alice","spiffe://example.org/agent"]}}"#
        ),
        record(
            #"{\#(base),"type":"tool.call.allowed","actor":"spiffe://example.org/agent","subject":"spiffe://example.org/agent","details":{"tool":"wire","chain":["human:alice","spiffe://example.org/agent"]}}"#
        ),
        record(
            #"{\#(base),"type":"token.issued","actor":"spiffe://example.org/batch","subject":"spiffe://example.org/batch","details":{}}"#
        ),
    ].reversed()  // newest first, as the store returns them
    let task = WorkTask(
        id: "task_1", intent: "pay invoices", purpose: nil, initiator: "human:alice",
        identities: ["spiffe://example.org/agent", "spiffe://example.org/tool", "spiffe://example.org/batch"], scopes: [],
        createdAt: Date(), expiresAt: Date().addingTimeInterval(60))
    let graph = DelegationGraph(
        task: task, records: Array(records),
        kinds: ["spiffe://example.org/agent": "ai-agent", "spiffe://example.org/tool": "service"])
    let edges = Set(graph.edges.map { "\($0.from) \($0.relation) \($0.to) \($0.count)/\($0.denied)" })
    #expect(
        edges == [
            "human:alice may_act spiffe://example.org/agent 1/0", "human:alice acts_for spiffe://example.org/agent 4/0",
            "spiffe://example.org/agent acts_for spiffe://example.org/tool 1/0",
            "spiffe://example.org/agent calls tool:wire 2/1", "human:alice started spiffe://example.org/batch 1/0",
        ])
    let depth = Dictionary(uniqueKeysWithValues: graph.nodes.map { ($0.id, $0.depth) })
    #expect(
        depth == [
            "human:alice": 0, "spiffe://example.org/agent": 1, "spiffe://example.org/tool": 2, "tool:wire": 2,
            "spiffe://example.org/batch": 1,
        ])
    let kinds = Dictionary(uniqueKeysWithValues: graph.nodes.map { ($0.id, $0.kind) })
    #expect(kinds["human:alice"] == "human" && kinds["tool:wire"] == "tool" && kinds["spiffe://example.org/agent"] == "ai-agent")
    #expect(kinds["spiffe://example.org/batch"] == "unknown")
    #expect(graph.nodes.filter(\.inTask).count == 3)
}

@Suite(.serialized, .stopsServers) struct ConsoleTests {
    @Test func consoleIsServedWithAStrictContentSecurityPolicy() async throws {
        let server = try await TestServer.start()
        // `/` redirects (the test client follows it) to the console page.
        let root = try await server.send("GET", "/")
        #expect(root.status == 200)
        let csp = root.headers["content-security-policy"] ?? ""
        #expect(csp.contains("default-src 'none'") && csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"))
        #expect(!csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"))
        #expect(String(decoding: root.body, as: UTF8.self) == ConsoleAssets.indexHTML)
        #expect(root.headers["x-frame-options"] == "DENY")
        let script = try await server.send("GET", "/console/app.js")
        #expect(script.status == 200 && script.headers["content-type"]?.hasPrefix("text/javascript") == true)
        #expect(String(decoding: script.body, as: UTF8.self) == ConsoleAssets.appJS)
        let style = try await server.send("GET", "/console/app.css")
        #expect(style.status == 200 && style.headers["content-type"]?.hasPrefix("text/css") == true)
    }

    @Test func consoleDataNeedsAnAdminToken() async throws {
        let server = try await TestServer.start()
        for path in ["/v1/console/whoami", "/v1/console/identities", "/v1/console/audit", "/v1/console/tasks/task_x/graph"] {
            #expect(try await server.send("GET", path).status == 401, "\(path) without a token")
            #expect(try await server.admin("GET", path, token: "tsr_admin_wrong").status == 401, "\(path) with a wrong token")
        }
        let me = try await server.admin("GET", "/v1/console/whoami")
        #expect(me.status == 200 && me.json["role"] as? String == "admin")
        #expect(try await server.admin("GET", "/v1/console/tasks/task_missing/graph").status == 404)
    }

    @Test func inventoryPagesBySPIFFEIDWithPrefixSearchAndFilters() async throws {
        let server = try await TestServer.start()
        var expected: [String] = []
        for index in 0..<7 {
            let name = index < 4 ? "payments/worker-\(index)" : "reports/job-\(index)"
            let kind = index < 4 ? "service" : "batch-job"
            expected.append(try await server.registerWorkload(name, extra: ["kind": kind, "environment": "dev"]).clientID)
        }
        // Keyset pages of 3 until the cursor runs out: every identity once, in SPIFFE ID order.
        var seen: [String] = []
        var cursor: String?
        var pages = 0
        repeat {
            let after = cursor.map { "&after=" + $0.addingPercentEncoding(withAllowedCharacters: .alphanumerics)! } ?? ""
            let page = try await server.admin("GET", "/v1/console/identities?limit=3" + after)
            #expect(page.status == 200)
            seen += (page.json["identities"] as? [[String: Any]] ?? []).compactMap { $0["spiffe_id"] as? String }
            cursor = page.json["next_cursor"] as? String
            pages += 1
        } while cursor != nil && pages < 10
        #expect(seen == expected.sorted())
        #expect(pages == 3)

        func ids(_ query: String) async throws -> [String] {
            let reply = try await server.admin("GET", "/v1/console/identities?" + query)
            return (reply.json["identities"] as? [[String: Any]] ?? []).compactMap { $0["spiffe_id"] as? String }
        }
        #expect(try await ids("q=payments/") == expected.prefix(4).sorted())
        #expect(try await ids("q=spiffe://example.org/reports/job-5") == ["spiffe://example.org/reports/job-5"])
        #expect(try await ids("kind=batch-job") == Array(expected.suffix(3)).sorted())
        #expect(try await ids("kind=batch-job&q=payments") == [])
        #expect(try await ids("owner=alice@example.com&environment=dev&status=active").count == 7)
        #expect(try await ids("status=suspended") == [])
        for bad in ["kind=robot", "status=gone", "limit=0", "limit=201", "sort=name"] {
            let reply = try await server.admin("GET", "/v1/console/identities?" + bad)
            #expect(reply.status == 400, "\(bad)")
            #expect(reply.headers["content-type"]?.contains("problem+json") == true)
        }
    }

    @Test func auditTimelineFiltersBySubjectTaskAndTypeNewestFirst() async throws {
        let server = try await TestServer.start()
        let billing = try await server.registerWorkload("billing", scopes: ["invoices:read"])
        _ = try await server.registerWorkload("other")
        let task = try await server.admin(
            "POST", "/v1/tasks",
            json: ["intent": "close the month", "identities": [billing.clientID], "scopes": ["invoices:read"], "ttl": 600])
        let taskID = try #require(task.json["id"] as? String)
        for _ in 0..<3 { #expect(try await server.requestToken(billing).status == 200) }
        #expect(try await server.requestToken(billing) { $0["task_id"] = taskID }.status == 200)

        func records(_ query: String) async throws -> (records: [[String: Any]], next: Int?, head: Int?) {
            let reply = try await server.admin("GET", "/v1/console/audit?" + query)
            #expect(reply.status == 200)
            return (
                reply.json["records"] as? [[String: Any]] ?? [], reply.json["next_before"] as? Int, reply.json["head_seq"] as? Int
            )
        }
        let bySubject = try await records("subject=" + billing.clientID)
        #expect(bySubject.records.count >= 5)  // identity.created and four token.issued
        #expect(bySubject.records.allSatisfy { $0["subject"] as? String == billing.clientID })
        let seqs = bySubject.records.compactMap { $0["seq"] as? Int }
        #expect(seqs == seqs.sorted(by: >))
        #expect(bySubject.records.allSatisfy { ($0["hash"] as? String)?.count == 64 })

        let byTask = try await records("task=" + taskID)
        #expect(Set(byTask.records.compactMap { $0["type"] as? String }) == ["task.created", "token.issued"])
        let tokens = try await records("type=token.&subject=" + billing.clientID)
        #expect(tokens.records.count == 4 && tokens.records.allSatisfy { $0["type"] as? String == "token.issued" })

        // Older pages continue strictly below the cursor until the start of the chain.
        let first = try await records("limit=2")
        let head = try #require(first.head)
        #expect(first.records.compactMap { $0["seq"] as? Int } == [head, head - 1])
        let next = try #require(first.next)
        let second = try await records("limit=2&before=\(next)")
        #expect(second.records.compactMap { $0["seq"] as? Int } == [head - 2, head - 3])
        let all = try await records("limit=200")
        #expect(all.records.count == head && all.next == nil)

        for bad in ["before=0", "before=x", "limit=500", "type=%3Cscript%3E", "actor=x"] {
            #expect(try await server.admin("GET", "/v1/console/audit?" + bad).status == 400, "\(bad)")
        }
    }

    @Test func taskGraphStartsAtTheInitiator() async throws {
        let server = try await TestServer.start()
        let agent = try await server.registerWorkload("agent", extra: ["kind": "ai-agent"])
        let worker = try await server.registerWorkload("worker")
        let task = try await server.admin(
            "POST", "/v1/tasks",
            json: [
                "intent": "triage", "identities": [agent.clientID, worker.clientID], "ttl": 600, "initiator": "carol@example.com",
            ])
        let taskID = try #require(task.json["id"] as? String)
        let reply = try await server.admin("GET", "/v1/console/tasks/\(taskID)/graph")
        #expect(reply.status == 200)
        let nodes = reply.json["nodes"] as? [[String: Any]] ?? []
        let kinds = Dictionary(
            uniqueKeysWithValues: nodes.compactMap { node in
                (node["id"] as? String).map { ($0, node["kind"] as? String ?? "") }
            })
        #expect(kinds == ["human:carol@example.com": "human", agent.clientID: "ai-agent", worker.clientID: "service"])
        let edges = (reply.json["edges"] as? [[String: Any]] ?? []).map { "\($0["from"]!) \($0["relation"]!) \($0["to"]!)" }
        #expect(
            Set(edges) == [
                "human:carol@example.com started \(agent.clientID)", "human:carol@example.com started \(worker.clientID)",
            ])
    }
}
