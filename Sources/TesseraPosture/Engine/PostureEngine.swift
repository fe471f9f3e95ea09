import Foundation
import TesseraAudit
import TesseraCore
import TesseraStore

/// Computes posture findings from the inventory, the posture tables, tasks, exceptions and the audit log, at
/// the injected clock's current time. The audit log is folded into a digest that is persisted between
/// evaluations (`digestPath`, and in memory), so an evaluation reads only the records appended since the last one;
/// the inventory is kept in memory with its version and read again only once a write moved that version.
public struct PostureEngine: Sendable {
    public let identities: any IdentityRepository
    public let posture: any PostureRepository
    public let tasks: any TaskRepository
    public let exceptions: any ExceptionRepository
    public let discovery: any DiscoveryRepository
    public let auditSinks: any AuditSinkCursorRepository
    let reader: PostureAuditReader
    let inventoryReader: PostureInventoryReader
    public let clock: any TimeSource
    public let thresholds: PostureThresholds
    /// Cedar schema text that generated least-privilege policies are validated against (`nil`: parse only).
    public let schema: String?
    /// Where the digest is kept between evaluations; `nil` folds the whole log every time.
    public let digestPath: String?
    /// The digest and the inventory kept in memory between this engine's evaluations.
    let memory = PostureMemory()

    /// An engine over any storage (SQLite reads raw statements on threads of their own; PostgreSQL streams).
    public init(
        database: any TesseraStorage, clock: any TimeSource, thresholds: PostureThresholds = PostureThresholds(),
        schema: String? = nil,
        digestPath: String? = nil
    ) {
        self.identities = database.identities
        self.posture = database.posture
        self.tasks = database.tasks
        self.exceptions = database.exceptions
        self.discovery = database.discovery
        self.auditSinks = database.auditSinks
        self.reader = database.postureAudit
        self.inventoryReader = database.postureInventory
        self.clock = clock
        self.thresholds = thresholds
        self.schema = schema
        self.digestPath = digestPath
    }

    /// The digest file for a database file: next to it, derived data (deleting it only costs one full fold).
    public static func defaultDigestPath(databaseFile: String) -> String { databaseFile + ".posture-digest" }

    /// The digest file for `storage`: next to its database file, or for shared PostgreSQL storage in the data folder
    /// (`digestPath(dataDirectory:endpoint:)`); `nil` for storage that is neither.
    public static func digestPath(for storage: any TesseraStorage, dataDirectory: String) -> String? {
        if let file = storage.databaseFile { return defaultDigestPath(databaseFile: file) }
        return storage.sharedEndpoint.map { digestPath(dataDirectory: dataDirectory, endpoint: $0) }
    }

    /// The digest file for PostgreSQL storage: in the server's data folder, named per endpoint and schema
    /// (`posture-digest.postgres.` + 16 hex digits of SHA-256 of `host:port/database/schema`), so servers or
    /// schemas sharing a folder never share a digest. A cache like SQLite's: a mismatch costs one full fold.
    public static func digestPath(dataDirectory: String, endpoint: PostgresEndpoint) -> String {
        (dataDirectory as NSString).appendingPathComponent("posture-digest.postgres.\(endpoint.localFileKey())")
    }

    /// One evaluation and what it cost.
    public struct Evaluation: Sendable {
        public let findings: [Finding]
        /// Audit records folded by this evaluation (the rest came from the persisted digest).
        public let recordsFolded: Int64
        /// Audit records the digest covers.
        public let recordsTotal: Int64
        /// Whether a persisted digest was reused.
        public let incremental: Bool
        public let identities: Int
        /// Whether the inventory was read (else the one kept in memory was unchanged).
        public let inventoryRead: Bool
        /// Identities whose detectors ran (the others' findings were kept: nothing they depend on changed).
        public let identitiesEvaluated: Int
        /// Wall time of each phase, in seconds (fold, the inventory's steps, estate, sort, save), for benchmarks.
        public let phases: [(name: String, seconds: Double)]
    }

    /// Every current finding, sorted by severity (highest first), then category and subject.
    public func evaluate() async throws -> [Finding] { try await run().findings }

    /// One evaluation. Without `includeDiscovery` the identities found outside Tessera are not evaluated (the risk
    /// refresher needs only Tessera identities' findings, every few seconds).
    public func run(includeDiscovery: Bool = true) async throws -> Evaluation {
        let now = clock.now()
        var timer = PhaseTimer()
        let taken = memory.takeDigest()
        let keptGeneration = taken?.generation
        var digest = try await AuditDigest.update(
            reader: reader, cachePath: digestPath, now: now, kept: (consume taken)?.state)
        timer.end(digest.continued ? "fold (kept digest)" : digest.incremental ? "load + fold" : "fold")
        try await resolveTasks(&digest.state)
        digest.state.prune(
            now: now, keepDays: thresholds.eventRetentionDays, exchangeLimit: thresholds.maximumExchangesPerSubjectToken)
        let state = digest.state
        let lineage = DigestLineage(
            base: digest.continued ? keptGeneration : nil, touched: digest.touched, generation: memory.keep(state))
        timer.end("tasks + prune")
        let persist = memory.shouldPersist(
            records: state.records, now: now, fileIsCurrent: digest.incremental && !digest.continued && digest.folded == 0,
            cold: !digest.incremental)
        let saving = digestPath.flatMap { path in persist ? Task { await AuditDigest.save(state, to: path) } : nil }
        let departed = Set(try await posture.owners().filter { $0.status == .departed }.map(\.name))
        let generator = LeastPrivilegePolicy.Generator(
            windowDays: thresholds.usageWindowDays, schema: try schema.map(LeastPrivilegePolicy.schema))
        let detectors = IdentityDetectors(
            now: now, thresholds: thresholds, departedOwners: departed, digest: state, policies: generator)
        let excepted = (try? await exceptions.list(identity: nil, activeAt: nil, limit: 1_000_000)) ?? []
        let exceptionSubjects = Set(excepted.map(\.identity))
        let eventSubjects = DelegationDetectors.subjects(in: state)
        let inventory = try await inventoryPass(
            detectors: detectors, eventSubjects: eventSubjects, exceptionSubjects: exceptionSubjects, lineage: lineage)
        timer.append(inventory.steps)
        var findings: [Finding] = []
        let estate = EstateDetectors(now: now)
        findings += estate.sharedKeys(inventory.sharedKeys)
        findings += estate.staticSecrets(try await posture.staticSecrets())
        if state.sinks.values.contains(where: \.lagging) {
            findings += estate.laggingSinks(state.sinks, head: state.lastSeq, cursors: try await auditSinks.cursors())
        }
        findings += DelegationDetectors(now: now, thresholds: thresholds, digest: state, identityIDs: inventory.subjectIdentities)
            .findings()
        findings += DelegationDetectors.exceptions(
            excepted, now: now, thresholds: thresholds, identityIDs: inventory.spiffeIdentities)
        if includeDiscovery {
            findings += DiscoveryDetectors(now: now, thresholds: thresholds).findings(
                try await discoveredIdentities(), runs: try await discovery.latestRuns())
        }
        timer.end("estate")
        // The identities' findings come sorted (and unchanged ones as kept); the rest are few.
        findings = Self.merged(inventory.findings, Self.sorted(findings))
        timer.end("sort")
        await saving?.value
        timer.end("save (rest)")
        return Evaluation(
            findings: findings, recordsFolded: digest.folded, recordsTotal: state.records, incremental: digest.incremental,
            identities: inventory.count, inventoryRead: inventory.read, identitiesEvaluated: inventory.evaluated,
            phases: timer.phases)
    }

    /// Every discovered identity, in pages.
    func discoveredIdentities() async throws -> [DiscoveredIdentity] {
        var all: [DiscoveredIdentity] = []
        var filter = DiscoveryFilter(limit: 1000)
        while true {
            let page = try await discovery.list(filter)
            all += page
            guard page.count == filter.limit, let last = page.last else { return all }
            filter.after = last.id
        }
    }

    /// Seconds past a task's end an issuance record may be stamped (decided before the end, appended after it).
    static let taskDeadlineGrace: Double = 5

    /// Checks issuances made under tasks against the tasks: identity named, scopes covered, before the end.
    /// A task's scopes and identities never change and its end is in the past once set, so a check is final.
    func resolveTasks(_ state: inout DigestState) async throws {
        guard !state.taskUses.isEmpty else { return }
        var known: [Int32: WorkTask] = [:]
        for id in Set(state.taskUses.keys.map(\.task)) {
            if let task = try await tasks.get(id: state.values.string(id)) { known[id] = task }
        }
        for (key, use) in state.taskUses {
            guard let task = known[key.task] else { continue }
            if !task.identities.contains(state.subjects.string(key.subject)) {
                state.violation(.taskIdentity, key.subject, key.task, seq: use.firstSeq, time: use.last)
            }
            let outside = use.scopes.filter { !task.scopes.contains(state.values.string($0.key)) }
            if let seq = outside.values.min() { state.violation(.taskScope, key.subject, key.task, seq: seq, time: use.last) }
            let end = min(task.endedAt ?? .distantFuture, task.expiresAt).timeIntervalSince1970
            // A record is stamped when its batch is appended, after the decision that found the task open: under load
            // that can be a moment past the deadline, so only a use well after it counts.
            if use.last > end + Self.taskDeadlineGrace {
                state.violation(.taskEnded, key.subject, key.task, seq: use.lastSeq, time: use.last)
            }
        }
        state.taskUses = [:]
    }
}
