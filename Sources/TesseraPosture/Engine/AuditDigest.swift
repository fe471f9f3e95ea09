import Foundation
import TesseraAudit
import TesseraCore

/// Streams the audit log once, in pages, and folds it into a `UsageProfile` per subject. Memory is bounded by
/// the number of subjects and their distinct scopes, sources and audiences — not by the number of records.
public struct AuditDigest: Sendable {
    public let profiles: [String: UsageProfile]
    /// Records read.
    public let records: Int64

    /// Reads every record of `store` and folds the ones relevant to posture.
    public static func build(
        store: any AuditRecordStore, now: Date, thresholds: PostureThresholds, pageSize: Int = 5000
    ) async throws -> AuditDigest {
        var folder = Folder(now: now, thresholds: thresholds)
        var cursor: Int64 = 0
        var count: Int64 = 0
        while true {
            let page = try await store.records(after: cursor, limit: pageSize)
            guard let last = page.last else { break }
            let decoder = JSONDecoder()
            for record in page {
                // The fast parser reads the type itself; `fold` ignores types posture does not use.
                guard let view = FastRecordParser.parse(record.body) ?? (try? decoder.decode(PostureRecordView.self, from: Data(record.body.utf8)))
                else { continue }
                folder.fold(view)
            }
            count += Int64(page.count)
            cursor = last.seq
            if page.count < pageSize { break }
        }
        return AuditDigest(profiles: folder.profiles, records: count)
    }

    struct Folder {
        let now: Date
        let driftStart: Date
        let dayAgo: Date
        let weekBeforeDay: Date
        var profiles: [String: UsageProfile] = [:]

        init(now: Date, thresholds: PostureThresholds) {
            self.now = now
            self.driftStart = now.addingTimeInterval(-Double(thresholds.driftWindowDays) * 86_400)
            self.dayAgo = now.addingTimeInterval(-86_400)
            self.weekBeforeDay = dayAgo.addingTimeInterval(-7 * 86_400)
        }

        mutating func fold(_ record: PostureRecordView) {
            guard let subject = record.subject, let time = PostureRecordView.parseTime(record.time) ?? ISO8601.parse(record.time),
                time <= now
            else { return }
            switch record.type {
            case "token.issued", "svid.jwt.issued": issued(record, subject: subject, time: time)
            case "token.refused", "svid.jwt.refused": refused(record, subject: subject, time: time)
            default: return
            }
        }

        mutating func issued(_ record: PostureRecordView, subject: String, time: Date) {
            var profile = profiles[subject] ?? UsageProfile()
            profile.issued += 1
            if profile.firstIssued == nil { profile.firstIssued = time }
            profile.lastIssued = time
            profile.lastIssuedSeq = record.seq
            if time < driftStart { profile.issuedBeforeDrift += 1 }
            if let scopes = record.details.scope {
                for scope in scopes { UsageProfile.see(scope, at: time, seq: record.seq, in: &profile.scopes) }
            }
            if let source = record.details.source, source != "unknown" {
                UsageProfile.see(Self.network(source), at: time, seq: record.seq, in: &profile.sources)
            }
            if let audience = record.details.aud {
                UsageProfile.see(audience, at: time, seq: record.seq, in: &profile.audiences)
            }
            if let exp = record.details.exp {
                let ttl = exp - Int64(time.timeIntervalSince1970.rounded(.down))
                if ttl > profile.longestTTL {
                    profile.longestTTL = ttl
                    profile.longestTTLSeq = record.seq
                }
            }
            if let chain = record.details.act, chain.count > profile.deepestDelegation {
                profile.deepestDelegation = chain.count
                profile.deepestDelegationSeq = record.seq
            }
            profiles[subject] = profile
        }

        mutating func refused(_ record: PostureRecordView, subject: String, time: Date) {
            var profile = profiles[subject] ?? UsageProfile()
            if time >= dayAgo {
                profile.recentRefusals += 1
                if profile.recentRefusalSeqs.count < 5 { profile.recentRefusalSeqs.append(record.seq) }
            } else if time >= weekBeforeDay {
                profile.baselineRefusals += 1
            }
            profiles[subject] = profile
        }

        /// The source as a network: IPv4 addresses are grouped by /24, so DHCP churn inside a subnet is not drift.
        static func network(_ source: String) -> String {
            let parts = source.split(separator: ".")
            guard parts.count == 4, parts.allSatisfy({ UInt8($0) != nil }) else { return source }
            return parts.prefix(3).joined(separator: ".") + ".0/24"
        }
    }
}
