import Foundation
import TesseraCore
import TesseraStore

/// Brings the folded audit log up to date: loads the persisted digest (if it still matches the log), folds only
/// the records after it — split across worker threads by seq range, each reading raw bodies from SQLite (or streamed from PostgreSQL) — and
/// merges the parts in order.
struct AuditDigest {
    var state: DigestState
    /// Records folded by this update (the rest came from the persisted digest).
    let folded: Int64
    /// Whether a persisted digest was used.
    let incremental: Bool
    /// Whether the digest kept in memory was continued (else the file was read or the log folded afresh).
    var continued = false
    /// Subjects (ids in `state`) whose part of the digest this update changed: every subject of the records it folded.
    var touched: Set<Int32> = []

    /// Folds the log after the digest kept in memory (`kept`) or else the persisted one. Ranges of at least
    /// `2 × minimumPart` records are split across `workers` threads.
    static func update(
        reader: PostureAuditReader, cachePath: String?, now: Date, kept: consuming DigestState? = nil,
        workers: Int = max(1, min(4, ProcessInfo.processInfo.activeProcessorCount)), minimumPart: Int64 = 25_000
    ) async throws -> AuditDigest {
        let head = try await reader.lastSeq()
        let horizon = DigestState.hour(now.timeIntervalSince1970 - 8 * 86_400) - 1
        var state = DigestState(horizonHour: horizon)
        var incremental = false
        var continued = false
        // Moved, not copied: folding into a second reference to the kept digest would copy all of it first.
        if let candidate = kept.take(), candidate.lastSeq <= head, try await Self.matches(candidate, reader) {
            state = consume candidate
            state.horizonHour = max(state.horizonHour, horizon)
            incremental = true
            continued = true
        } else if let cachePath, let data = FileManager.default.contents(atPath: cachePath),
            let loaded = DigestCodec.decode(data),
            loaded.lastSeq <= head, try await Self.matches(loaded, reader)
        {
            state = loaded
            state.horizonHour = max(loaded.horizonHour, horizon)
            incremental = true
        }
        let start = state.lastSeq
        guard head > start else {
            return AuditDigest(state: state, folded: 0, incremental: incremental, continued: continued)
        }
        // Saturating: `head` is the database's highest seq, which a database writer can set to anything.
        let span = head.saturatingSubtracting(start)
        let parts = max(1, min(Int64(workers), span / max(1, minimumPart)))
        let step = span.saturatingAdding(parts - 1) / parts
        let horizonHour = state.horizonHour
        let pieces = try await withThrowingTaskGroup(of: (Int64, DigestState).self) { group in
            for index in 0..<parts {
                // index · step < parts · step ≤ Int64.max (step is at most Int64.max / parts): no overflow.
                let from = start.saturatingAdding(index * step)
                let through = min(head, from.saturatingAdding(step))
                guard from < through else { continue }
                group.addTask {
                    guard reader.blocks else {
                        // PostgreSQL: each range streamed on a connection of its own.
                        var piece = DigestState(horizonHour: horizonHour)
                        var record = RawRecord()
                        try await reader.stream(after: from, through: through) { seq, body in
                            piece.fold(seq: seq, body: body, record: &record)
                        }
                        return (from, piece)
                    }
                    let piece = try await OffPoolThread.run {
                        var piece = DigestState(horizonHour: horizonHour)
                        var record = RawRecord()
                        try reader.scan(after: from, through: through) { seq, body in
                            piece.fold(seq: seq, body: body, record: &record)
                        }
                        return piece
                    }
                    return (from, piece)
                }
            }
            var pieces: [(Int64, DigestState)] = []
            for try await piece in group { pieces.append(piece) }
            return pieces.sorted { $0.0 < $1.0 }.map(\.1)
        }
        var remaining = pieces[...]
        if state.records == 0, state.lastSeq == 0, let first = remaining.first {
            // A cold fold: the first piece is the digest (re-interning it into an empty one would only copy it).
            state = first
            remaining = remaining.dropFirst()
        }
        for piece in remaining { state.absorb(piece) }
        var touched: Set<Int32> = []
        if continued {
            for piece in remaining {
                for id in 0..<Int32(piece.subjects.count) {
                    if let subject = state.subjects.lookup(piece.subjects.string(id)) { touched.insert(subject) }
                }
            }
        }
        state.lastSeq = head
        state.lastHash = try await reader.hash(seq: head) ?? ""
        return AuditDigest(
            state: state, folded: head - start, incremental: incremental, continued: continued, touched: touched)
    }

    /// Whether the log still holds the record the digest ends with (not replaced, not truncated).
    static func matches(_ state: DigestState, _ reader: PostureAuditReader) async throws -> Bool {
        guard state.lastSeq > 0 else { return true }
        return try await reader.hash(seq: state.lastSeq) == state.lastHash
    }

    /// Writes the digest for the next evaluation (atomically, making its folder if missing; failures only cost the
    /// next evaluation a full fold).
    static func save(_ state: DigestState, to path: String) async {
        let data = DigestCodec.encode(state)
        _ = try? await OffPoolThread.run {
            // PostgreSQL storage keeps nothing else in the data folder: it may not exist yet.
            let folder = (path as NSString).deletingLastPathComponent
            if !folder.isEmpty, !FileManager.default.fileExists(atPath: folder) {
                try FileManager.default.createDirectory(
                    atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            }
            try data.write(to: URL(fileURLWithPath: path), options: .atomic)
            chmod(path, 0o600)
        }
    }
}
