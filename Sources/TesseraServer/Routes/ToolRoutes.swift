import Foundation
import Hummingbird
import TesseraAudit
import TesseraCore

/// AI-agent tool authorization: `/v1/authorize/tools`, `/v1/authorize/tool-call` and `GET /v1/approvals/{id}`
/// take the agent's access token; catalogues and approval decisions are admin routes.
struct ToolRoutes {
    let service: ToolAuthorizationService
    let admins: AdminAuthenticator
    let maximumBodySize: Int

    func register(public router: Router<TesseraRequestContext>, admin group: RouterGroup<AdminRequestContext>) {
        router.get("v1/authorize/tools") { request, context in
            let caller = try await service.caller(await ResourceRequest(request, context: context))
            let tools = try await service.tools(for: caller)
            struct Page: Encodable {
                let taskID: String
                let tools: [CatalogueTool]
                enum CodingKeys: String, CodingKey {
                    case taskID = "task_id"
                    case tools
                }
            }
            return try Response.json(Page(taskID: caller.task.id, tools: tools))
        }
        router.post("v1/authorize/tool-call") { request, context in
            let caller = try await service.caller(await ResourceRequest(request, context: context))
            let raw = try await request.adminBody(limit: maximumBodySize)
            // The body is UTF-8 before the byte-level checks read it.
            let bytes = try JSONObjectReader.utf8Body(raw)
            if let inexact = ExactJSONNumbers.firstInexact(in: bytes) {
                throw ProblemDetails.badRequest(
                    "the number \(inexact.prefix(40)) cannot be represented exactly; send it as a string so an approval binds it")
            }
            if let duplicate = DuplicateJSONKeys.firstDuplicate(in: bytes) {
                throw ProblemDetails.badRequest(
                    "the member name \"\(duplicate.prefix(40))\" occurs twice in one object (or holds a NUL); a tool could read another value"
                )
            }
            let call = try Self.callRequest(try JSONObjectReader(utf8: bytes))
            return try Response.json(try await service.authorize(caller, call, source: context.remoteAddress))
        }
        router.get("v1/approvals/:id") { request, context in
            let id = try context.parameters.require("id")
            let approval = try await service.approval(id: String(id.prefix(64)))
            let authorization = request.headers[.authorization]
            if try await admins.authenticate(authorization: authorization) == nil {
                let caller = try await service.caller(await ResourceRequest(request, context: context))
                guard approval?.taskID == caller.task.id else { throw ProblemDetails.notFound("no approval \(id.prefix(64))") }
            }
            guard let approval else { throw ProblemDetails.notFound("no approval \(id.prefix(64))") }
            return try Response.json(ApprovalResource(approval, now: service.clock.now()))
        }
        group.get("approvals") { request, context in
            let pendingOnly = (request.uri.queryParameters["state"].map(String.init) ?? "pending") == "pending"
            let list = try await service.approvals(pendingOnly: pendingOnly)
            let now = service.clock.now()
            return try Response.json(["approvals": list.map { ApprovalResource($0, now: now) }])
        }
        for (action, approve) in [("approve", true), ("deny", false)] {
            group.post("approvals/:id/\(action)") { request, context in
                let admin = context.principal
                let reason = try await request.optionalReason(limit: maximumBodySize)
                let decided = try await service.decide(
                    try context.parameters.require("id"), approve: approve, reason: reason, actor: admin.auditActor)
                return try Response.json(ApprovalResource(decided, now: service.clock.now()))
            }
        }
        group.put("identities/:id/tools") { request, context in
            let admin = context.principal
            let agent = try await agentIdentity(try context.parameters.require("id"))
            let body = try JSONObjectReader(try await request.adminBody(limit: maximumBodySize))
            try body.rejectUnknown(allowed: ["tools"])
            let tools = try Self.tools(body)
            try await service.setTools(tools, identity: agent.clientID, actor: admin)
            return try Response.json(["tools": tools])
        }
        group.get("identities/:id/tools") { _, context in
            let agent = try await agentIdentity(try context.parameters.require("id"))
            return try Response.json(["tools": try await service.tools(identity: agent.clientID)])
        }
    }

    private func agentIdentity(_ raw: String) async throws -> Identity {
        let name = raw.removingPercentEncoding ?? raw
        guard name.utf8.count <= 2048 else { throw ProblemDetails.notFound("no identity \(name.prefix(200))") }
        var found = try await service.identities.get(id: name)
        if found == nil { found = try await service.identities.get(spiffeID: name) }
        guard let identity = found else { throw ProblemDetails.notFound("no identity \(name.prefix(200))") }
        guard identity.kind == .aiAgent else {
            throw ProblemDetails.badRequest(
                "only ai-agent identities have tool catalogues; this one is a \(identity.kind.rawValue)")
        }
        return identity
    }

    static func callRequest(_ body: JSONObjectReader) throws -> ToolAuthorizationService.CallRequest {
        try body.rejectUnknown(allowed: ["tool", "server", "resource", "arguments", "arguments_digest", "approval_id"])
        let tool = try body.requiredString("tool")
        do {
            try CatalogueTool.validate(name: tool)
        } catch {
            throw ProblemDetails.badRequest("$.tool: \(error.reason)")
        }
        let digest: String
        switch (body.object["arguments"], try body.string("arguments_digest")) {
        case (.some, .some): throw ProblemDetails.badRequest("send either $.arguments or $.arguments_digest, not both")
        case (.some(let arguments), nil): digest = ToolAuthorizationService.digest(of: arguments)
        case (nil, .some(let given)):
            guard given.count == 64, Hex.decode(given) != nil else {
                throw ProblemDetails.badRequest("$.arguments_digest must be a SHA-256 in hex (64 characters)")
            }
            digest = given.lowercased()
        case (nil, nil): digest = ToolAuthorizationService.digest(of: .object([:]))
        }
        let resource = try body.string("resource")
        let server = try body.string("server")
        guard (resource?.utf8.count ?? 0) <= 1024, (server?.utf8.count ?? 0) <= 128 else {
            throw ProblemDetails.badRequest("$.resource or $.server is too long")
        }
        return .init(
            tool: tool, server: server, resource: resource, argumentsDigest: digest, approvalID: try body.string("approval_id"))
    }

    static func tools(_ body: JSONObjectReader) throws -> [CatalogueTool] {
        guard case .array(let items)? = body.object["tools"] else {
            throw ProblemDetails.badRequest("$.tools must be an array of {name, description, risk, requires_approval}")
        }
        guard items.count <= 500 else { throw ProblemDetails.badRequest("at most 500 tools per agent") }
        var tools: [CatalogueTool] = []
        for (index, item) in items.enumerated() {
            guard case .object(let fields) = item, case .string(let name)? = fields["name"] else {
                throw ProblemDetails.badRequest("$.tools[\(index)].name is required")
            }
            var description = ""
            if case .string(let text)? = fields["description"] { description = text }
            var risk = CatalogueTool.Risk.high
            if let raw = fields["risk"] {
                guard case .string(let text) = raw, let parsed = CatalogueTool.Risk(rawValue: text) else {
                    throw ProblemDetails.badRequest("$.tools[\(index)].risk must be low, medium or high")
                }
                risk = parsed
            }
            var approval = risk == .high
            if let raw = fields["requires_approval"] {
                guard case .bool(let flag) = raw else {
                    throw ProblemDetails.badRequest("$.tools[\(index)].requires_approval must be true or false")
                }
                approval = flag
            }
            let unknown = Set(fields.keys).subtracting(["name", "description", "risk", "requires_approval"])
            guard unknown.isEmpty else {
                throw ProblemDetails.badRequest("$.tools[\(index)]: unknown field \(unknown.sorted()[0])")
            }
            let tool = CatalogueTool(name: name, description: description, risk: risk, requiresApproval: approval)
            do {
                try tool.validate()
            } catch {
                throw ProblemDetails.badRequest("$.tools[\(index)]: \(error.reason)")
            }
            guard !tools.contains(where: { $0.name == name }) else {
                throw ProblemDetails.badRequest("$.tools[\(index)]: duplicate tool \(name)")
            }
            tools.append(tool)
        }
        return tools
    }
}

/// The API's JSON view of an approval.
struct ApprovalResource: Encodable {
    let id: String
    let state: String
    let taskID: String
    let agent: String
    let tool: String
    let argumentsDigest: String
    let resource: String?
    let server: String?
    let chain: [String]
    let requestedAt: Date
    let expiresAt: Date
    let decidedAt: Date?
    let decidedBy: String?
    let reason: String?

    enum CodingKeys: String, CodingKey {
        case id, state, agent, tool, resource, server, chain, reason
        case taskID = "task_id"
        case argumentsDigest = "arguments_digest"
        case requestedAt = "requested_at"
        case expiresAt = "expires_at"
        case decidedAt = "decided_at"
        case decidedBy = "decided_by"
    }

    init(_ approval: ToolApproval, now: Date) {
        id = approval.id
        state = approval.effectiveState(at: now).rawValue
        taskID = approval.taskID
        agent = approval.agent
        tool = approval.tool
        argumentsDigest = approval.argumentsDigest
        resource = approval.resource
        server = approval.server
        chain = approval.chain
        requestedAt = approval.requestedAt
        expiresAt = approval.expiresAt
        decidedAt = approval.decidedAt
        decidedBy = approval.decidedBy
        reason = approval.reason
    }
}
