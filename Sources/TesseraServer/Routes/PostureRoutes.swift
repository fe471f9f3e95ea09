import Foundation
import Hummingbird
import NIOCore
import TesseraCore
import TesseraPosture
import TesseraStore

/// `/v1/findings`, `/v1/owners`, `/v1/static-secrets`, `/v1/posture`: posture for administrators.
struct PostureRoutes {
    /// Posture on the server's storage (SQLite or PostgreSQL).
    let service: PostureService
    let maximumBodySize: Int

    /// The service (every storage engine serves posture).
    private func available() throws -> PostureService { service }

    func register(in group: RouterGroup<AdminRequestContext>) {
        group.get("findings") { request, context in
            let service = try available()
            let list = try Self.filter(try await service.findings(), request.uri.queryParameters)
            struct Page: Encodable { let findings: [TrackedFinding] }
            return try Response.json(Page(findings: list))
        }
        group.post("findings/:id/acknowledge") { request, context in
            let admin = context.principal
            let service = try available()
            let body = try JSONObjectReader(try await request.adminBody(limit: maximumBodySize))
            try body.rejectUnknown(allowed: ["reason", "until"])
            let reason = try body.requiredString("reason")
            let until = try body.nullableDate("until") ?? nil
            let id = try context.parameters.require("id")
            try await service.acknowledge(id: id, reason: String(reason.prefix(512)), until: until, actor: admin)
            return try Response.json(["id": id, "status": "acknowledged"])
        }
        group.post("findings/:id/resolve") { request, context in
            let admin = context.principal
            let service = try available()
            let buffer = try await request.adminBody(limit: maximumBodySize)
            var reason: String?
            if buffer.readableBytes > 0 {
                let body = try JSONObjectReader(buffer)
                try body.rejectUnknown(allowed: ["reason"])
                reason = try body.string("reason")
            }
            let id = try context.parameters.require("id")
            try await service.resolve(id: id, reason: reason.map { String($0.prefix(512)) }, actor: admin)
            return try Response.json(["id": id, "status": "resolved"])
        }
        group.post("owners/:name/depart") { _, context in
            let admin = context.principal
            let service = try available()
            let raw = try context.parameters.require("name")
            let name = raw.removingPercentEncoding ?? raw
            try JSONObjectReader.check(name, at: "owner name", maximum: IdentityService.maximumNameLength)
            guard !name.isEmpty, !name.contains(where: \.isNewline) else {
                throw ProblemDetails.badRequest("owner name must be one line")
            }
            let queued = try await service.depart(owner: name, actor: admin)
            struct Body: Encodable {
                let owner: String
                let status = "departed"
                let queued: [String]
            }
            return try Response.json(Body(owner: name, queued: queued))
        }
        group.get("owners/reassignments") { _, context in
            let service = try available()
            struct Page: Encodable { let reassignments: [ReassignmentItem] }
            return try Response.json(Page(reassignments: try await service.reassignments()))
        }
        group.post("static-secrets") { request, context in
            let admin = context.principal
            let service = try available()
            let secret = try Self.staticSecret(
                JSONObjectReader(try await request.adminBody(limit: maximumBodySize)), now: service.clock.now())
            return try Response.json(try await service.register(secret, actor: admin), status: .created)
        }
        group.get("static-secrets") { _, context in
            let service = try available()
            struct Page: Encodable {
                let staticSecrets: [StaticSecret]
                enum CodingKeys: String, CodingKey { case staticSecrets = "static_secrets" }
            }
            return try Response.json(Page(staticSecrets: try await service.posture.staticSecrets()))
        }
        group.post("static-secrets/:id/rotated") { _, context in
            let admin = context.principal
            let service = try available()
            do {
                return try Response.json(try await service.rotated(id: try context.parameters.require("id"), actor: admin))
            } catch let error as StoreError where error.code == .notFound {
                throw ProblemDetails.notFound("no static secret with this id")
            }
        }
        group.get("posture/evidence/:id") { request, context in
            let service = try available()
            let raw = try context.parameters.require("id")
            guard let report = try await service.evidence(identityID: raw.removingPercentEncoding ?? raw) else {
                throw ProblemDetails.notFound("no identity with this id")
            }
            switch request.uri.queryParameters["format"].map(String.init) {
            case "markdown"?: return Self.markdown(MarkdownReport.render(report))
            case "html"?: return Self.text(HTMLReport.evidence(report), type: "text/html; charset=utf-8")
            case "json"?, nil: return try Response.json(report)
            case let other?: throw ProblemDetails.badRequest("format must be json, markdown or html, not \(other.prefix(20))")
            }
        }
        group.get("posture/report") { request, context in
            let service = try available()
            let findings = try await service.findings()
            let count = try await service.identities.count(IdentityFilter())
            if request.uri.queryParameters["format"] == "markdown" {
                return Self.markdown(MarkdownReport.estate(findings, generatedAt: service.clock.now(), identities: count))
            }
            if request.uri.queryParameters["format"] == "html" {
                return Self.text(
                    HTMLReport.estate(findings, generatedAt: service.clock.now(), identities: count),
                    type: "text/html; charset=utf-8")
            }
            struct Body: Encodable {
                let generatedAt: Date
                let identities: Int
                let byOWASP: [String: Int]
                let findings: [TrackedFinding]
                enum CodingKeys: String, CodingKey {
                    case generatedAt = "generated_at"
                    case identities
                    case byOWASP = "by_owasp"
                    case findings
                }
            }
            let counts = Dictionary(grouping: findings, by: { $0.finding.owasp.rawValue }).mapValues(\.count)
            return try Response.json(
                Body(generatedAt: service.clock.now(), identities: count, byOWASP: counts, findings: findings))
        }
    }

    static func filter(_ findings: [TrackedFinding], _ query: Parameters) throws -> [TrackedFinding] {
        let allowed: Set<String> = ["category", "severity", "owasp", "status", "identity"]
        for (name, _) in query where !allowed.contains(String(name)) {
            throw ProblemDetails.badRequest("unknown query parameter \(name.prefix(40))")
        }
        var list = findings
        if let value = query["category"].map(String.init) {
            guard let category = FindingCategory(rawValue: value) else { throw ProblemDetails.badRequest("unknown category") }
            list = list.filter { $0.finding.category == category }
        }
        if let value = query["severity"].map(String.init) {
            guard let minimum = Severity(rawValue: value) else { throw ProblemDetails.badRequest("unknown severity") }
            list = list.filter { $0.finding.severity >= minimum }
        }
        if let value = query["owasp"].map(String.init) { list = list.filter { $0.finding.owasp.rawValue == value.uppercased() } }
        if let value = query["status"].map(String.init) { list = list.filter { $0.status.rawValue == value } }
        if let value = query["identity"].map(String.init) {
            list = list.filter { $0.finding.identityID == value || $0.finding.subject == value }
        }
        return list
    }

    static func staticSecret(_ body: JSONObjectReader, now: Date) throws -> StaticSecret {
        try body.rejectUnknown(allowed: [
            "kind", "location", "fingerprint", "redacted", "owner", "source", "rotation_period_days", "last_rotated_at",
        ])
        let kind = try body.requiredString("kind")
        let location = try body.requiredString("location")
        let source = try body.string("source") ?? "manual"
        guard ["scan", "manual"].contains(source) else { throw ProblemDetails.badRequest("$.source must be scan or manual") }
        let period = (try body.nullableInt("rotation_period_days") ?? nil) ?? 90
        guard (1...3650).contains(period) else { throw ProblemDetails.badRequest("$.rotation_period_days must be 1...3650") }
        let fingerprint = try body.string("fingerprint") ?? SecretFinding.fingerprint(Substring(kind + "\u{0}" + location))
        let redacted = try body.string("redacted") ?? "(not recorded)"
        guard kind.count <= 100, location.count <= 1000, fingerprint.count <= 64, redacted.count <= 64 else {
            throw ProblemDetails.badRequest("a field is too long")
        }
        return StaticSecret(
            id: "sts_" + RandomToken.hex(bytes: 8), kind: kind, location: location, fingerprint: fingerprint, redacted: redacted,
            owner: try body.string("owner"), source: source, lastRotatedAt: try body.nullableDate("last_rotated_at") ?? nil,
            rotationPeriodDays: period, createdAt: now, updatedAt: now)
    }

    static func markdown(_ text: String) -> Response { Self.text(text, type: "text/markdown; charset=utf-8") }

    static func text(_ text: String, type: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = type
        headers[.cacheControl] = "no-store"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
