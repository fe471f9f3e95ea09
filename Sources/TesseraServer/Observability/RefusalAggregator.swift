import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import TesseraAudit
import TesseraCore

/// Counts refusals of callers that proved nothing (a bad admin token, an unsigned or unknown-client
/// assertion, an unknown join token) instead of writing one durable audit record per request, so one
/// unauthenticated client cannot fill the disk with fsync'd records.
///
/// Refusals are counted per (source address, refused event type, reason code) and written as one
/// `auth.refusals_aggregated` record per key every `interval` and at shutdown (it is a `Service` of the
/// server's service group). At most `maximumKeys` keys are held; refusals beyond are counted under the
/// source `other`, so what one source (or many) can cost in memory and audit records per interval is bounded.
/// Every authenticated refusal keeps its own record: callers only aggregate what no verified party sent.
public final class RefusalAggregator: Service, Sendable {
    /// The key refusals are counted under.
    struct Key: Hashable, Sendable {
        let source: String
        let type: String
        let code: String
    }

    /// What was counted for one key since the last flush.
    struct Tally: Sendable {
        var count: Int
        let firstSeen: Date
        var lastSeen: Date
        let route: String
        let sampleReason: String
    }

    /// The source under which refusals are counted once `maximumKeys` keys are held.
    public static let overflowSource = "other"
    /// The audit event type of an aggregate record.
    public static let eventType = AuditEventType.refusalsAggregated

    let audit: AuditLog
    let clock: any TimeSource
    let metrics: ServerMetrics?
    let logger: Logger
    let interval: Duration
    let maximumKeys: Int
    private let tallies = Mutex<[Key: Tally]>([:])

    /// - Parameters:
    ///   - interval: how often counted refusals are written to the audit log.
    ///   - maximumKeys: most distinct (source, type, reason) keys held between flushes.
    public init(
        audit: AuditLog, clock: any TimeSource, metrics: ServerMetrics?, logger: Logger,
        interval: Duration = .seconds(10), maximumKeys: Int = 1024
    ) {
        self.audit = audit
        self.clock = clock
        self.metrics = metrics
        self.logger = logger
        self.interval = interval
        self.maximumKeys = max(1, maximumKeys)
    }

    /// Counts one unauthenticated refusal. `type` is the event type an individual record would have had
    /// (`token.refused`, `admin.auth_failed`, ...), `code` a reason code from a fixed vocabulary.
    public func record(type: String, code: String, reason: String, source: String?, route: String) {
        let now = clock.now()
        let wanted = Key(
            source: String((source ?? "unknown").prefix(64)), type: String(type.prefix(64)), code: String(code.prefix(64)))
        let counted = tallies.withLock { tallies -> Key in
            var key = wanted
            if tallies[key] == nil, tallies.count >= maximumKeys {
                key = Key(source: Self.overflowSource, type: wanted.type, code: wanted.code)
            }
            if var tally = tallies[key] {
                tally.count += 1
                tally.lastSeen = now
                tallies[key] = tally
            } else {
                tallies[key] = Tally(
                    count: 1, firstSeen: now, lastSeen: now, route: String(route.prefix(200)),
                    sampleReason: String(reason.prefix(256)))
            }
            return key
        }
        metrics?.increment(
            "tessera_unauthenticated_refusals_total",
            [
                ("type", counted.type), ("reason", counted.code),
                ("overflow", counted.source == Self.overflowSource ? "true" : "false"),
            ])
    }

    /// Refusals counted since the last flush (for tests and `/metrics`-free inspection).
    var pendingCount: Int { tallies.withLock { $0.values.reduce(0) { $0 + $1.count } } }

    /// Writes one aggregate record per key counted since the last flush. Keys whose record could not be
    /// written are counted again at the next flush.
    public func flush() async {
        let taken = tallies.withLock { tallies -> [Key: Tally] in
            let taken = tallies
            tallies.removeAll(keepingCapacity: true)
            return taken
        }
        guard !taken.isEmpty else { return }
        let unwritten = await withTaskGroup(of: (Key, Tally)?.self) { group -> [Key: Tally] in
            // Appended concurrently so group commit makes few durable writes for the batch.
            for (key, tally) in taken {
                group.addTask {
                    do {
                        try await self.audit.append(Self.event(key, tally))
                        return nil
                    } catch {
                        return (key, tally)
                    }
                }
            }
            var unwritten: [Key: Tally] = [:]
            for await case (let key, let tally)? in group { unwritten[key] = tally }
            return unwritten
        }
        guard !unwritten.isEmpty else { return }
        logger.error(
            "audit append failed for aggregated refusals; retried at the next flush", metadata: ["keys": "\(unwritten.count)"])
        tallies.withLock { tallies in
            for (key, tally) in unwritten {
                if var current = tallies[key] {
                    current.count += tally.count
                    tallies[key] = current
                } else {
                    tallies[key] = tally
                }
            }
        }
    }

    static func event(_ key: Key, _ tally: Tally) -> AuditEvent {
        let format = ISO8601DateFormatter()
        format.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return AuditEvent(
            type: eventType, outcome: .denied,
            reason: "\(tally.count) unauthenticated \(key.type) (\(key.code)) from \(key.source)",
            details: [
                "count": .int(Int64(tally.count)), "source": .string(key.source), "refused_type": .string(key.type),
                "reason_code": .string(key.code), "route": .string(tally.route), "sample_reason": .string(tally.sampleReason),
                "first_seen": .string(format.string(from: tally.firstSeen)),
                "last_seen": .string(format.string(from: tally.lastSeen)),
            ])
    }

    /// Flushes every `interval` until the service group shuts down or is cancelled, then flushes once more.
    public func run() async throws {
        let interval = self.interval
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try await Task.sleep(for: interval)
                await self.flush()
            }
        }
        // The last flush runs in its own task: the service's may already be cancelled.
        await Task { await self.flush() }.value
    }
}
