import Foundation
import TesseraAudit
import TesseraCore
import TesseraPosture
import TesseraStore

/// `GET /v1/console/overview`: the estate at a glance. Everything comes from aggregates: one grouped scan of the
/// inventory at most every `maximumAge` seconds (cached), the activity rollup folded from the audit log since the
/// last view, the latest posture evaluation, and two live counts. No view scans the audit log.
actor OverviewService {
    let reader: any ConsoleReader
    let audit: any AuditRecordStore
    let tasks: any TaskRepository
    let posture: any PostureRepository
    let findings: LatestFindings
    let clock: any TimeSource
    let rollup = ActivityRollup()
    /// How long a computed overview is served before it is computed again.
    let maximumAge: TimeInterval
    private var cached: (json: Data, at: Date)? = nil
    /// The computation in progress: views that arrive meanwhile wait for it instead of scanning again.
    private var computing: Task<Data, any Error>? = nil
    /// Folding a large backlog (the first view after start, on a busy log) continues here, off the request.
    private var catchingUp: Task<Void, Never>? = nil

    init(
        reader: any ConsoleReader, audit: any AuditRecordStore, tasks: any TaskRepository, posture: any PostureRepository,
        findings: LatestFindings, clock: any TimeSource, maximumAge: TimeInterval = 15
    ) {
        self.reader = reader
        self.audit = audit
        self.tasks = tasks
        self.posture = posture
        self.findings = findings
        self.clock = clock
        self.maximumAge = maximumAge
    }

    /// The overview as JSON, computed at most every `maximumAge` seconds.
    func overview() async throws -> Data {
        let now = clock.now()
        if let cached, now.timeIntervalSince(cached.at) < maximumAge, now >= cached.at { return cached.json }
        if let computing { return try await computing.value }
        let task = Task { try await self.compute(now: now) }
        computing = task
        defer { computing = nil }
        let json = try await task.value
        cached = (json, now)
        return json
    }

    private func caughtUp() {
        catchingUp = nil
        cached = nil
    }

    private func compute(now: Date) async throws -> Data {
        let started = ContinuousClock.now
        let inventory = try await reader.inventorySummary(now: now)
        let caughtUp = try await rollup.advance(audit, now: now, budget: 50_000)
        if !caughtUp, catchingUp == nil {
            let rollup = self.rollup
            let audit = self.audit
            let clock = self.clock
            catchingUp = Task { [weak self] in
                while !Task.isCancelled, let done = try? await rollup.advance(audit, now: clock.now(), budget: 200_000), !done {
                    try? await Task.sleep(for: .milliseconds(10))  // another fold may be running: let it finish
                }
                await self?.caughtUp()
            }
        }
        let buckets = await rollup.buckets
        let openTasks = try await tasks.list(state: .open, limit: 10_001).count
        let liveLeases = try await tasks.liveLeaseCount(now: now)
        let secrets = try await posture.staticSecrets()

        var object: [String: Any] = [:]
        var identities: [String: Any] = ["total": inventory.total]
        identities["by_kind"] = Self.pairs(inventory.counts { [$0.kind] })
        identities["by_status"] = Self.pairs(inventory.counts { [$0.status] })
        identities["by_environment"] = Self.pairs(inventory.counts { [$0.environment.isEmpty ? "(none)" : $0.environment] })
        identities["by_auth_method"] = Self.pairs(inventory.counts { $0.authMethods })
        identities["review_overdue"] = inventory.groups.reduce(0) { $0 + $1.reviewOverdue }
        identities["expired"] = inventory.groups.reduce(0) { $0 + $1.expired }
        identities["owners"] = inventory.owners
        object["identities"] = identities

        let keyAges = inventory.groups.reduce([0, 0, 0]) { sums, group in zip(sums, group.keysByAge).map(+) }
        var secretAges = [0, 0, 0]
        for secret in secrets {
            let days = secret.lastRotatedAt.map { now.timeIntervalSince($0) / 86_400 } ?? .infinity
            secretAges[days < 30 ? 0 : days <= 90 ? 1 : 2] += 1
        }
        object["credentials"] = [
            "registered_keys_by_age": Self.pairs([
                ("< 30 days", keyAges[0]), ("30–90 days", keyAges[1]), ("> 90 days", keyAges[2]),
            ]),
            "static_secrets_by_age": Self.pairs([
                ("< 30 days", secretAges[0]), ("30–90 days", secretAges[1]), ("> 90 days", secretAges[2]),
            ]),
        ]

        object["activity"] = Self.activity(
            buckets, now: now, caughtUp: caughtUp, watermark: await rollup.watermark, head: await rollup.head)
        object["live"] = ["open_tasks": openTasks, "live_leases": liveLeases]

        if let latest = findings.current {
            let open = latest.findings.filter { $0.status == .open }
            var byCategory: [String: Int] = [:]
            var bySeverity: [String: Int] = [:]
            for tracked in open {
                byCategory[tracked.finding.owasp.rawValue + " " + tracked.finding.owasp.title, default: 0] += 1
                bySeverity[tracked.finding.severity.rawValue, default: 0] += 1
            }
            object["findings"] = [
                "evaluated_at": ISO8601.format(latest.at), "open": open.count,
                "by_owasp": Self.pairs(byCategory.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }),
                "by_severity": Self.pairs(
                    ["critical", "high", "medium", "low", "info"].compactMap { key in bySeverity[key].map { (key, $0) } }),
            ]
        } else {
            object["findings"] = ["evaluated_at": NSNull(), "open": NSNull()]
        }
        object["computed_at"] = ISO8601.format(now)
        let elapsed = ContinuousClock.now - started
        object["compute_ms"] = Int(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)
        return try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    }

    static func pairs(_ values: [(String, Int)]) -> [[String: Any]] { values.map { ["name": $0.0, "count": $0.1] } }

    /// Hourly series for the last 24 hours, daily for the last 7 days, and the top refusal reasons of each.
    static func activity(
        _ buckets: [String: ActivityRollup.Bucket], now: Date, caughtUp: Bool, watermark: Int64?, head: Int64
    ) -> [String: Any] {
        func series(_ keys: [String], label: (String) -> String, matching: (String, String) -> Bool) -> [[String: Any]] {
            keys.map { key in
                let hits = buckets.filter { matching($0.key, key) }.map(\.value)
                return [
                    "at": label(key), "issued": hits.reduce(0) { $0 + $1.issued }, "refused": hits.reduce(0) { $0 + $1.refused },
                ]
            }
        }
        func top(_ since: String) -> [[String: Any]] {
            var reasons: [String: Int] = [:]
            for (key, bucket) in buckets where key >= since { reasons.merge(bucket.reasons, uniquingKeysWith: +) }
            return pairs(Array(reasons.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(8)))
        }
        let hours = (0..<24).reversed().map { ActivityRollup.hourKey(now.addingTimeInterval(-Double($0) * 3600)) }
        let days = (0..<7).reversed().map {
            String(ActivityRollup.hourKey(now.addingTimeInterval(-Double($0) * 86_400)).prefix(10))
        }
        let day = ActivityRollup.hourKey(now.addingTimeInterval(-86_400))
        let week = ActivityRollup.hourKey(now.addingTimeInterval(-7 * 86_400))
        let total = { (since: String) -> [String: Int] in
            let hits = buckets.filter { $0.key >= since }.map(\.value)
            return ["issued": hits.reduce(0) { $0 + $1.issued }, "refused": hits.reduce(0) { $0 + $1.refused }]
        }
        return [
            "hourly": series(hours, label: { $0 + ":00Z" }, matching: { $0 == $1 }),
            "daily": series(days, label: { $0 }, matching: { $0.hasPrefix($1) }),
            "last_24h": total(day), "last_7d": total(week), "top_refusals_24h": top(day), "top_refusals_7d": top(week),
            "complete": caughtUp, "folded_through_seq": watermark ?? 0, "head_seq": head,
        ]
    }
}
