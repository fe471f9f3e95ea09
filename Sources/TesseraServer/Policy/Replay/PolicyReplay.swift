import Foundation
import TesseraAudit

/// Re-decides every decision record of an audit store under a new policy set: streams the chain in pages, checks
/// each record's hash, link and (with the keyring) MAC, and replays pages on `workers` parallel tasks while the next
/// page is read.
public struct PolicyReplay: Sendable {
    public let replayer: DecisionReplayer
    public let keyring: AuditKeyring?
    public let workers: Int
    public let pageSize: Int
    public let listLimit: Int

    public init(
        replayer: DecisionReplayer, keyring: AuditKeyring?, workers: Int = 2, pageSize: Int = 8192, listLimit: Int = 10_000
    ) {
        self.replayer = replayer
        self.keyring = keyring
        self.workers = max(1, workers)
        self.pageSize = max(1, pageSize)
        self.listLimit = listLimit
    }

    /// Replays every record of `store`, in chain order; changes are listed by sequence.
    public func run(_ store: any AuditRecordStore) async throws -> ReplayReport {
        var report = ReplayReport(listLimit: listLimit)
        report.macsChecked = keyring != nil
        var page = try await store.records(after: 0, limit: pageSize)
        var previousHash: String? = nil
        while !page.isEmpty {
            let cursor = page.last!.seq
            async let upcoming = store.records(after: cursor, limit: pageSize)
            report.merge(await replay(page, previousHash: previousHash))
            previousHash = page.last!.hash
            page = try await upcoming
        }
        report.changes.sort { $0.seq < $1.seq }
        return report
    }

    /// One page, split across the workers.
    func replay(_ page: [AuditRecord], previousHash: String?) async -> ReplayReport {
        let chunk = (page.count + workers - 1) / workers
        let slices = stride(from: 0, to: page.count, by: chunk).map { page[$0..<min($0 + chunk, page.count)] }
        return await withTaskGroup(of: ReplayReport.self) { group in
            for slice in slices {
                let before = slice.startIndex == page.startIndex ? previousHash : page[slice.startIndex - 1].hash
                group.addTask { replay(slice, previousHash: before) }
            }
            var total = ReplayReport(listLimit: listLimit)
            for await part in group { total.merge(part) }
            return total
        }
    }

    func replay(_ records: ArraySlice<AuditRecord>, previousHash: String?) -> ReplayReport {
        var report = ReplayReport(listLimit: listLimit)
        var previous = previousHash
        for record in records {
            report.recordsRead += 1
            defer { previous = record.hash }
            if let failure = integrityFailure(record, previousHash: previous) {
                if report.integrityFailures.count < listLimit {
                    report.integrityFailures.append(ReplayProblem(seq: record.seq, reason: failure))
                }
                continue
            }
            report.add(replayer.replay(seq: record.seq, body: record.body))
        }
        return report
    }

    /// Why the record cannot be trusted, or nil: its hash, its link to the record before it, and with the keyring its
    /// MAC (a keyed record whose key the keyring does not hold, or an unkeyed record after keyed ones, fails).
    func integrityFailure(_ record: AuditRecord, previousHash: String?) -> String? {
        if let previousHash, record.prevHash != previousHash { return "does not link to the record before it" }
        guard AuditRecord.digest(record.body) == record.hash else { return "its hash does not match its body" }
        guard let keyring else { return nil }
        guard let keyID = Self.keyID(record.body) else {
            return record.mac == nil ? nil : "carries a MAC but names no key"
        }
        guard let mac = record.mac, let expected = keyring.recordMAC(hash: record.hash, keyID: keyID) else {
            return "keyed record without a MAC, or with a key this KEK does not hold"
        }
        return mac == expected ? nil : "its MAC does not verify"
    }

    /// The top-level `key` of a canonical body: the last `,"key":"` (string values escape their quotes; details
    /// come before `key` in the canonical order).
    static func keyID(_ body: String) -> String? {
        ByteSearch.endOfLast(",\"key\":\"", in: body).flatMap { ByteSearch.quoted(from: $0, in: body) }
    }
}
