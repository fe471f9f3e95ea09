import Foundation

/// What the audit log shows about one subject (SPIFFE ID). Plain values only, so the digest is a few flat
/// arrays that are cheap to fold, merge and persist. Times are seconds since 1970 (`nan` when absent).
struct DigestProfile {
    var issued: Int64 = 0
    var firstIssued: Double = .nan
    var lastIssued: Double = .nan
    var lastIssuedSeq: Int64 = 0
    /// The longest observed token lifetime, in seconds, and its record.
    var longestTTL: Int64 = 0
    var longestTTLSeq: Int64 = 0
    /// The deepest `act` chain seen, and its record.
    var deepestDelegation: Int64 = 0
    var deepestDelegationSeq: Int64 = 0
    /// Head of this subject's list in `DigestState.sightings` (-1: none).
    var sightings: Int32 = -1
    /// Head of this subject's hourly buckets in `DigestState.buckets`, newest first (-1: none).
    var buckets: Int32 = -1
}

/// What a sighting is of.
enum SightingKind: UInt32 {
    case scope = 0
    case source = 1
    case audience = 2
}

/// When a value (scope, source network, audience) was first and last seen for a subject, with the records.
struct DigestSighting {
    /// `kind << 28 | value id`.
    var key: UInt32
    var next: Int32
    var count: Int32
    /// Issuances of the subject before this value's first sighting (the baseline for drift).
    var issuedBefore: Int32
    var first: Double
    var last: Double
    var firstSeq: Int64
    var lastSeq: Int64

    static func key(_ kind: SightingKind, _ value: Int32) -> UInt32 { kind.rawValue << 28 | UInt32(value) }
    var kind: SightingKind { SightingKind(rawValue: key >> 28) ?? .scope }
    var value: Int32 { Int32(key & 0x0FFF_FFFF) }
}

/// Issuances and refusals of one subject in one hour (`hour` = seconds since 1970 / 3600). Only the hours
/// the rate and refusal detectors look at (the last 8 days) are kept.
struct DigestBucket {
    var hour: Int32
    var next: Int32
    var issued: Int32
    var refused: Int32
    var firstRefusedSeq: Int64
    var lastRefusedSeq: Int64
}

/// Event-level conditions found while folding (they do not depend on when the evaluation runs).
enum ViolationKind: UInt8, CaseIterable {
    /// An issuance under a task for a scope the task does not cover.
    case taskScope = 1
    /// An issuance under a task after the task ended or expired.
    case taskEnded = 2
    /// An issuance under a task by an identity the task does not name.
    case taskIdentity = 3
    /// A delegation chain in which one subject appears twice.
    case exchangeLoop = 4
    /// A refusal naming an exception the request fell outside of.
    case exceptionOutOfScope = 5
    /// An `exception.used` record after the exception's expiry.
    case exceptionExpiredUse = 6
}

struct ViolationKey: Hashable {
    var kind: ViolationKind
    var subject: Int32
    /// A value id (task, exception), or -1.
    var value: Int32
}

struct ViolationAggregate {
    var count: Int64
    var first: Double
    var last: Double
    /// The first few records (evidence).
    var seqs: [Int64]

    mutating func add(seq: Int64, time: Double) {
        count += 1
        first = min(first, time)
        last = max(last, time)
        if seqs.count < 5 { seqs.append(seq) }
    }

    mutating func absorb(_ other: ViolationAggregate) {
        count += other.count
        first = min(first, other.first)
        last = max(last, other.last)
        seqs = Array((seqs + other.seqs).prefix(5))
    }
}

/// How often one subject token (by `jti`) was exchanged.
struct ExchangeCount {
    var subject: Int32
    var count: Int64
    var first: Double
    var last: Double
    var seqs: [Int64]
}

/// Issuances under one task by one subject, folded until the task is looked up (not persisted).
struct TaskUse {
    var firstSeq: Int64
    var lastSeq: Int64
    var last: Double
    /// Each scope used, with the first record using it.
    var scopes: [Int32: Int64]
}

struct TaskUseKey: Hashable {
    var task: Int32
    var subject: Int32
}

/// The latest `sink.lagging` or `sink.caught_up` record of one audit sink.
struct SinkMark: Equatable {
    var lagging: Bool
    var seq: Int64
    var time: Double
    var lag: Int64
    var maximumLag: Int64
}

/// The folded audit log: per-subject profiles plus event-level violations, up to `lastSeq`. Memory grows with
/// subjects × distinct values, never with records. Persisted between evaluations (`DigestCodec`) so the next
/// evaluation folds only new records.
struct DigestState {
    static let formatVersion: UInt32 = 5

    var subjects = ByteInterner()
    var values = ByteInterner()
    var profiles: [DigestProfile] = []
    var sightings: [DigestSighting] = []
    var buckets: [DigestBucket] = []
    var violations: [ViolationKey: ViolationAggregate] = [:]
    var exchanges: [String: ExchangeCount] = [:]
    /// Per audit sink (by name), its latest lagging / caught-up record.
    var sinks: [String: SinkMark] = [:]
    /// Folded since the last `resolveTasks`; not persisted.
    var taskUses: [TaskUseKey: TaskUse] = [:]
    var lastSeq: Int64 = 0
    /// The hash of record `lastSeq`, to detect a log that was replaced or truncated under the digest.
    var lastHash = ""
    var records: Int64 = 0
    /// Hours before this are not kept in buckets.
    var horizonHour: Int32 = 0
    var scratch: [UInt8] = []

    init(horizonHour: Int32 = 0) { self.horizonHour = horizonHour }

    /// The subject id of `subject`, if the log mentions it.
    func subjectID(_ subject: String) -> Int32? { subjects.lookup(subject) }

    /// Walks a subject's sightings of `kind`.
    func forEachSighting(_ subject: Int32, _ kind: SightingKind, _ body: (DigestSighting) -> Void) {
        var index = profiles[Int(subject)].sightings
        while index >= 0 {
            let sighting = sightings[Int(index)]
            if sighting.kind == kind { body(sighting) }
            index = sighting.next
        }
    }

    /// Issuances and refusals in hours `[fromHour, toHour)`, and up to `limit` refusal records.
    func activity(_ subject: Int32, fromHour: Int32, toHour: Int32, limit: Int = 5) -> (
        issued: Int64, refused: Int64, seqs: [Int64]
    ) {
        var issued: Int64 = 0
        var refused: Int64 = 0
        var seqs: [Int64] = []
        var index = profiles[Int(subject)].buckets
        while index >= 0 {
            let bucket = buckets[Int(index)]
            if bucket.hour < fromHour { break }
            if bucket.hour < toHour {
                issued += Int64(bucket.issued)
                refused += Int64(bucket.refused)
                if bucket.refused > 0, seqs.count < limit {
                    seqs.append(bucket.firstRefusedSeq)
                    if bucket.lastRefusedSeq != bucket.firstRefusedSeq, seqs.count < limit { seqs.append(bucket.lastRefusedSeq) }
                }
            }
            index = bucket.next
        }
        return (issued, refused, seqs.sorted())
    }

    static func hour(_ time: Double) -> Int32 { Int32(clamping: Int64((time / 3600).rounded(.down))) }
}
