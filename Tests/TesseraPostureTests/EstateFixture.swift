import Foundation
import TesseraAudit
import TesseraCore
import TesseraPosture
import TesseraStore
import Testing

/// Loads `Fixtures/estate.json` into a real SQLite database in a temporary folder: identities through the
/// repository, audit records through `AuditLog` with a `ManualTimeSource` moved to each event's time.
struct EstateFixture {
    struct Spec: Decodable {
        struct IdentitySpec: Decodable {
            let name: String
            let owner: String
            let scopes: [String]
            let key: String
            let reviewByDay: Int?
            let expiresDay: Int?
            let tokenTtl: Int?
        }
        struct Daily: Decodable {
            let identity: String
            let from: Int
            let to: Int
            let scope: [String]
            let source: String?
            let sourceCycle: [String]?
            let ttl: Int?
        }
        struct Event: Decodable {
            let type: String
            let identity: String
            let day: Int
            let hour: Int
            let scope: [String]?
            let source: String?
            let aud: String?
            let count: Int?
            let act: [String]?
            let actChain: [String]?
            let task: String?
            let subjectTokenJti: String?
            let exception: String?
            let exceptionExpiresDay: Int?
            let exceptionOutOfScope: String?
        }
        struct TaskSpec: Decodable {
            let id: String
            let identities: [String]
            let scopes: [String]
            let createdDay: Int
            let expiresDay: Int
            let endedDay: Int?
            let endedHour: Int?
        }
        struct ExceptionSpec: Decodable {
            let id: String
            let identity: String
            let scopes: [String]
            let createdDay: Int
            let expiresDay: Int
        }
        struct Secret: Decodable {
            let location: String
            let kind: String
            let source: String
            let createdDay: Int
            let rotatedDay: Int?
            let periodDays: Int
            let fingerprint: String?
        }
        let start: String
        let nowDay: Int
        let departed: [String]
        let identities: [IdentitySpec]
        let daily: [Daily]
        let events: [Event]
        let staticSecrets: [Secret]
        let tasks: [TaskSpec]
        let exceptions: [ExceptionSpec]
        let expected: [String: [String]]
    }

    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures").path
    static let defaultAudience = "https://api.corp.invalid"

    let spec: Spec
    let database: SQLiteStorage
    let clock: ManualTimeSource
    let directory: String
    let start: Date

    static func spiffeID(_ name: String) -> String { "spiffe://corp.invalid/\(name)" }

    static func load() async throws -> EstateFixture {
        let decoder = JSONDecoder()
        // The fixture's keys are snake_case; note the strategy converts dictionary keys too (`expected`'s names have no
        // underscores).
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        let spec = try decoder.decode(Spec.self, from: Data(contentsOf: URL(fileURLWithPath: folder + "/estate.json")))
        let start = try #require(ISO8601.parse(spec.start))
        let directory = NSTemporaryDirectory() + "tessera-posture-" + UUID().uuidString
        let database = try SQLiteStorage(directory: directory)
        let clock = ManualTimeSource(start)
        let fixture = EstateFixture(spec: spec, database: database, clock: clock, directory: directory, start: start)
        try await fixture.populate()
        return fixture
    }

    func day(_ day: Int, hour: Int = 0) -> Date {
        start.addingTimeInterval(TimeInterval(day) * 86_400 + TimeInterval(hour) * 3600)
    }

    private func populate() async throws {
        var ids: [String: String] = [:]
        for item in spec.identities {
            let id = Identity.newID()
            ids[item.name] = id
            let jwks = #"{"keys":[{"kty":"EC","crv":"P-256","x":"\#(item.key)","y":"y-\#(item.key)"}]}"#
            try await database.identities.create(
                Identity(
                    id: id, spiffeID: try SPIFFEID(parsing: Self.spiffeID(item.name)), kind: .service, owner: item.owner,
                    purpose: "fixture", environment: "prod", expiresAt: item.expiresDay.map { day($0) },
                    reviewBy: item.reviewByDay.map { day($0) }, scopes: item.scopes, tokenTTL: item.tokenTtl, jwks: jwks,
                    createdAt: start, updatedAt: start))
        }
        var timeline: [(Date, AuditEvent)] = []
        for daily in spec.daily {
            for d in daily.from...daily.to {
                let source = daily.source ?? daily.sourceCycle.map { $0[d % $0.count] } ?? "unknown"
                let time = day(d, hour: 12)
                timeline.append(
                    (time, issued(daily.identity, ids, time: time, scope: daily.scope, source: source, ttl: daily.ttl ?? 300)))
            }
        }
        for event in spec.events {
            let time = day(event.day, hour: event.hour)
            let subject = Self.spiffeID(event.identity)
            switch event.type {
            case "refused":
                for index in 0..<(event.count ?? 1) {
                    var details: [String: AuditValue] = ["error": .string("invalid_scope"), "source": .string("10.9.9.\(index)")]
                    if let exception = event.exceptionOutOfScope { details["exception_out_of_scope"] = .string(exception) }
                    let refusal = AuditEvent(
                        type: "token.refused", outcome: .denied, actor: subject, subject: subject,
                        reason: "invalid_scope: not granted",
                        details: details)
                    timeline.append((time.addingTimeInterval(TimeInterval(index)), refusal))
                }
            case "exception_used":
                let expires = Int64(day(event.exceptionExpiresDay ?? event.day).timeIntervalSince1970)
                timeline.append(
                    (
                        time,
                        AuditEvent(
                            type: "exception.used", outcome: .success, actor: subject, subject: subject,
                            details: [
                                "exception": .string(event.exception ?? ""), "exception_expires": .int(expires),
                                "flagged": .bool(true),
                            ])
                    ))
            default:
                for index in 0..<(event.count ?? 1) {
                    let at = time.addingTimeInterval(TimeInterval(index))
                    var record = issued(
                        event.identity, ids, time: at, scope: event.scope ?? [], source: event.source ?? "unknown", ttl: 300,
                        aud: event.aud,
                        act: event.act)
                    var details = record.details
                    if let chain = event.actChain { details["act_chain"] = .strings(chain) }
                    if let jti = event.subjectTokenJti { details["subject_token_jti"] = .string(jti) }
                    record = AuditEvent(
                        type: record.type, outcome: record.outcome, actor: record.actor, subject: record.subject,
                        task: event.task,
                        details: details)
                    timeline.append((at, record))
                }
            }
        }
        for task in spec.tasks {
            let ended = task.endedDay.map { day($0, hour: task.endedHour ?? 0) }
            try await database.tasks.create(
                WorkTask(
                    id: task.id, intent: "fixture", purpose: nil, initiator: "fixture",
                    identities: task.identities.map(Self.spiffeID),
                    scopes: task.scopes, createdAt: day(task.createdDay), expiresAt: day(task.expiresDay),
                    state: ended == nil ? .open : .ended,
                    endedAt: ended, endReason: ended == nil ? nil : "done"))
        }
        for exception in spec.exceptions {
            try await database.exceptions.create(
                PolicyException(
                    id: exception.id, identity: Self.spiffeID(exception.identity), owner: "alice@corp.invalid",
                    justification: "fixture",
                    actions: ["issue_token"], scopes: exception.scopes, audiences: [], createdBy: "admin:fixture",
                    createdAt: day(exception.createdDay), expiresAt: day(exception.expiresDay)))
        }
        timeline.sort { $0.0 < $1.0 }
        let log = try await AuditLog(store: database.audit, clock: clock)
        for (time, event) in timeline {
            clock.set(time)
            try await log.append(event)
        }
        for secret in spec.staticSecrets {
            let created = day(secret.createdDay)
            _ = try await database.posture.upsert(
                StaticSecret(
                    id: "sts_" + secret.kind + "_" + secret.location.filter(\.isLetter), kind: secret.kind,
                    location: secret.location,
                    fingerprint: secret.fingerprint ?? SecretFinding.fingerprint(Substring(secret.location)),
                    redacted: "AKIA…[20 chars]", owner: "alice@corp.invalid",
                    source: secret.source, lastRotatedAt: secret.rotatedDay.map { day($0) },
                    rotationPeriodDays: secret.periodDays,
                    createdAt: created, updatedAt: created))
        }
        let now = day(spec.nowDay)
        for owner in spec.departed {
            let owned = try await database.identities.list(IdentityFilter(owner: owner)).map(\.id)
            try await database.posture.depart(owner, identityIDs: owned, at: now)
        }
        clock.set(now)
    }

    private func issued(
        _ name: String, _ ids: [String: String], time: Date, scope: [String], source: String, ttl: Int, aud: String? = nil,
        act: [String]? = nil
    ) -> AuditEvent {
        var details: [String: AuditValue] = [
            "jti": .string(UUID().uuidString), "grant_type": .string("client_credentials"), "scope": .strings(scope),
            "aud": .string(aud ?? Self.defaultAudience), "exp": .int(Int64(time.timeIntervalSince1970) + Int64(ttl)),
            "source": .string(source), "identity_id": .string(ids[name] ?? ""),
        ]
        if let act { details["act"] = .strings(act) }
        return AuditEvent(
            type: "token.issued", outcome: .success, actor: Self.spiffeID(name), subject: Self.spiffeID(name), details: details)
    }

    func engine(schema: String? = nil, thresholds: PostureThresholds = PostureThresholds(), digestPath: String? = nil)
        -> PostureEngine
    {
        PostureEngine(database: database, clock: clock, thresholds: thresholds, schema: schema, digestPath: digestPath)
    }

    func remove() { try? FileManager.default.removeItem(atPath: directory) }

    /// The default Cedar schema and policies shipped in `policies/default`.
    static func defaultPolicyFile(_ name: String) throws -> String {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return try String(contentsOf: root.appendingPathComponent("policies/default/\(name)"), encoding: .utf8)
    }
}
