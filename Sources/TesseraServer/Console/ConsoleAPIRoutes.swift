import Foundation
import Hummingbird
import TesseraAudit
import TesseraCore
import TesseraStore

/// `/v1/console/...`: read-only JSON the web console needs beyond the admin API, admin-authenticated like
/// every `/v1` route. Every answer is one bounded page read on an index.
struct ConsoleAPIRoutes {
    let reader: any ConsoleReader
    let tasks: any TaskRepository
    let identities: any IdentityRepository
    let trustDomain: String
    let clock: any TimeSource
    let overview: OverviewService

    /// Audit records read to draw one task's delegation graph.
    static let graphRecordLimit = 1000

    func register(in group: RouterGroup<AdminRequestContext>) {
        group.get("console/whoami") { _, context in
            let admin = context.principal
            return try Response.json(["name": admin.name, "role": admin.role])
        }
        group.get("console/overview") { _, context in
            return Response.json(try await overview.overview())
        }
        group.get("console/identities") { request, context in
            let query = try identityQuery(request.uri.queryParameters)
            let page = try await reader.identities(query)
            let now = clock.now()
            struct Page: Encodable {
                let identities: [IdentityResource]
                let nextCursor: String?
                enum CodingKeys: String, CodingKey {
                    case identities
                    case nextCursor = "next_cursor"
                }
            }
            let next = page.count == query.limit ? page.last?.spiffeID.description : nil
            return try Response.json(Page(identities: page.map { IdentityResource($0, now: now) }, nextCursor: next))
        }
        group.get("console/audit") { request, context in
            let page = try await reader.auditRecords(try auditQuery(request.uri.queryParameters))
            // Records are already canonical JSON objects: splice them in without re-encoding.
            var body = "{\"records\":[" + page.records.map { $0.exportLine() }.joined(separator: ",") + "]"
            body += ",\"next_before\":" + (page.nextBefore.map(String.init) ?? "null")
            body += ",\"head_seq\":\(page.headSeq)}"
            return Response.json(Data(body.utf8))
        }
        group.get("console/tasks/:id/graph") { _, context in
            let id = try context.parameters.require("id")
            guard id.utf8.count <= 128, let task = try await tasks.get(id: id) else {
                throw ProblemDetails.notFound("no task with id \(id.prefix(64))")
            }
            let page = try await reader.auditRecords(ConsoleAuditQuery(task: task.id, limit: Self.graphRecordLimit))
            let records = page.records.compactMap { try? $0.content() }
            var kinds: [String: String] = [:]
            for spiffeID in DelegationGraph.spiffeIDs(task: task, records: records).sorted().prefix(100) {
                if let identity = try await identities.get(spiffeID: spiffeID) { kinds[spiffeID] = identity.kind.rawValue }
            }
            return try Response.json(DelegationGraph(task: task, records: records, kinds: kinds))
        }
    }

    /// `q` is a SPIFFE ID prefix, or a path prefix inside the trust domain (`billing` → `spiffe://<td>/billing`).
    func identityQuery(_ parameters: Parameters) throws -> ConsoleIdentityQuery {
        let values = try Self.values(parameters, allowed: ["q", "kind", "owner", "environment", "status", "after", "limit"])
        var query = ConsoleIdentityQuery(owner: values["owner"], environment: values["environment"], after: values["after"])
        if let q = values["q"] {
            guard q.utf8.count <= 2048 else { throw ProblemDetails.badRequest("q is too long") }
            query.spiffeIDPrefix = q.hasPrefix("spiffe://") ? q : "spiffe://\(trustDomain)/" + q.drop { $0 == "/" }
        }
        if let kind = values["kind"] {
            guard IdentityKind(rawValue: kind) != nil else { throw ProblemDetails.badRequest("unknown kind \(kind.prefix(40))") }
            query.kind = kind
        }
        if let status = values["status"] {
            guard IdentityStatus(rawValue: status) != nil else {
                throw ProblemDetails.badRequest("unknown status \(status.prefix(40))")
            }
            query.status = status
        }
        query.limit = try Self.limit(values["limit"], default: 50)
        return query
    }

    func auditQuery(_ parameters: Parameters) throws -> ConsoleAuditQuery {
        let values = try Self.values(parameters, allowed: ["subject", "task", "type", "before", "limit"])
        var before: Int64?
        if let raw = values["before"] {
            guard let parsed = Int64(raw), parsed >= 1 else {
                throw ProblemDetails.badRequest("before must be a sequence number ≥ 1")
            }
            before = parsed
        }
        if let type = values["type"],
            type.utf8.count > 128 || !type.allSatisfy({ $0.isLetter || $0.isNumber || "._-".contains($0) })
        {
            throw ProblemDetails.badRequest("type must be a record type prefix such as token. (letters, digits, . _ -)")
        }
        for name in ["subject", "task"] where (values[name]?.utf8.count ?? 0) > 2048 {
            throw ProblemDetails.badRequest("\(name) is too long")
        }
        return ConsoleAuditQuery(
            subject: values["subject"], task: values["task"], typePrefix: values["type"], before: before,
            limit: try Self.limit(values["limit"], default: 50))
    }

    /// Non-empty query values; unknown names are refused.
    static func values(_ parameters: Parameters, allowed: Set<String>) throws -> [String: String] {
        var values: [String: String] = [:]
        for (name, value) in parameters {
            guard allowed.contains(String(name)) else {
                throw ProblemDetails.badRequest("unknown query parameter \(name.prefix(40))")
            }
            if !value.isEmpty { values[String(name)] = String(value) }
        }
        return values
    }

    static func limit(_ raw: String?, default value: Int) throws -> Int {
        guard let raw else { return value }
        guard let parsed = Int(raw), (1...200).contains(parsed) else { throw ProblemDetails.badRequest("limit must be 1...200") }
        return parsed
    }
}
