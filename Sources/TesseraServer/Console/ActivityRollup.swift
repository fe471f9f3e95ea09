import Foundation
import TesseraAudit
import TesseraCore

/// Issuance and refusals per hour over the last seven days, folded incrementally from the audit log (the
/// Overview's activity charts). It reads only records after the last one it folded, in bounded batches, so a view
/// never scans the log; the first fold starts at the first record of the window (found by binary search on `seq`).
actor ActivityRollup {
    /// Counts of one hour.
    struct Bucket: Sendable {
        var issued = 0
        var refused = 0
        var reasons: [String: Int] = [:]
    }

    static let window: TimeInterval = 7 * 86_400
    static let batch = 2_000
    /// Most distinct refusal reasons kept per hour (the rest are counted as "other").
    static let reasonsPerHour = 50

    private(set) var buckets: [String: Bucket] = [:]
    /// The last sequence number folded; `nil` before the first fold.
    private(set) var watermark: Int64? = nil
    private(set) var head: Int64 = 0
    /// An actor is re-entered at every `await`: two folds at once would read the same batch twice.
    private var advancing = false

    /// Folds up to `budget` new records; returns whether it caught up with the head. While another fold runs it
    /// returns at once (not caught up) instead of folding the same records again.
    func advance(_ store: any AuditRecordStore, now: Date, budget: Int = 200_000) async throws -> Bool {
        guard !advancing else { return false }
        advancing = true
        defer { advancing = false }
        head = try await store.recordedHead()?.seq ?? 0
        if watermark == nil {
            watermark = try await Self.firstSeq(store, atOrAfter: now.addingTimeInterval(-Self.window), head: head) - 1
        }
        var folded = 0
        while var after = watermark, after < head, folded < budget {
            let records = try await store.records(after: after, limit: Self.batch)
            if records.isEmpty { break }
            for record in records { fold(record.body) }
            after = records.last?.seq ?? after
            watermark = after
            folded += records.count
        }
        prune(before: Self.hourKey(now.addingTimeInterval(-Self.window)))
        return (watermark ?? 0) >= head
    }

    /// The first `seq` whose record is at or after `time` (head + 1 when none).
    static func firstSeq(_ store: any AuditRecordStore, atOrAfter time: Date, head: Int64) async throws -> Int64 {
        let target = hourKey(time)
        var low: Int64 = 1
        var high = head.saturatingAdding(1)
        while low < high {
            let mid = low + (high - low) / 2
            guard let record = try await store.records(after: mid - 1, limit: 1).first else {
                high = mid
                continue
            }
            if (field("time", in: record.body).map { String($0.prefix(13)) } ?? "") < target {
                low = record.seq.saturatingAdding(1)
            } else {
                high = mid
            }
        }
        return low
    }

    private func fold(_ body: String) {
        guard let type = Self.field("type", in: body), let time = Self.field("time", in: body), time.count >= 13 else { return }
        let hour = String(time.prefix(13))
        if type.hasSuffix(".issued"), Self.field("outcome", in: body) == "success" {
            buckets[hour, default: Bucket()].issued += 1
        } else if type.hasSuffix(".refused") || type == RefusalAggregator.eventType {
            var count = 1
            var reason = type
            if let object = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any] {
                let details = object["details"] as? [String: Any]
                if type == RefusalAggregator.eventType {
                    // Counted refusals are labelled by their type and OAuth error code only: the sample reason can
                    // carry text the unauthenticated sender chose (attacker re-check finding).
                    count = (details?["count"] as? Int) ?? 1
                    let refused = (details?["refused_type"] as? String) ?? "refusal"
                    reason = "unauthenticated \(refused.prefix(40)): \(((details?["reason_code"] as? String) ?? "").prefix(40))"
                } else if let text = object["reason"] as? String {
                    reason = text
                }
            }
            reason = String(reason.prefix(160))
            var bucket = buckets[hour, default: Bucket()]
            bucket.refused += count
            if bucket.reasons[reason] == nil, bucket.reasons.count >= Self.reasonsPerHour { reason = "other" }
            bucket.reasons[reason, default: 0] += count
            buckets[hour] = bucket
        }
    }

    private func prune(before cutoff: String) {
        for key in buckets.keys where key < cutoff { buckets[key] = nil }
    }

    /// `YYYY-MM-DDTHH` (UTC), the bucket key; sorts in time order.
    static func hourKey(_ date: Date) -> String { String(ISO8601.format(date).prefix(13)) }

    /// The value of top-level string field `name` in a canonical record body. Keys are sorted and `details`
    /// comes before `outcome`, `time` and `type`, so the last occurrence is the top-level one.
    static func field(_ name: String, in body: String) -> String? {
        guard let range = body.range(of: "\"\(name)\":\"", options: .backwards) else { return nil }
        guard let end = body[range.upperBound...].firstIndex(of: "\"") else { return nil }
        return String(body[range.upperBound..<end])
    }
}
