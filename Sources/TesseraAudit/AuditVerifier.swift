/// The result of checking the whole chain.
public struct AuditVerificationReport: Sendable, Equatable {
    /// The first record that fails a check, and why.
    public struct Break: Sendable, Equatable {
        public let seq: Int64
        public let reason: String
    }

    public let recordsChecked: Int64
    public let head: AuditHead?
    public let firstBreak: Break?

    public var isIntact: Bool { firstBreak == nil }
}

/// Walks the chain from the first record and checks sequence, linkage, hashes and the recorded head.
public struct AuditVerifier: Sendable {
    private let store: any AuditRecordStore
    private let pageSize: Int

    public init(store: any AuditRecordStore, pageSize: Int = 5000) {
        self.store = store
        self.pageSize = pageSize
    }

    public func verify() async throws -> AuditVerificationReport {
        var expectedSeq: Int64 = 1
        var prev = AuditRecord.genesisHash
        var checked: Int64 = 0
        var last: AuditHead?
        while true {
            let page = try await store.records(after: expectedSeq - 1, limit: pageSize)
            if page.isEmpty { break }
            for record in page {
                if let reason = check(record, expectedSeq: expectedSeq, prev: prev) {
                    return AuditVerificationReport(
                        recordsChecked: checked, head: last, firstBreak: .init(seq: record.seq, reason: reason))
                }
                checked += 1
                prev = record.hash
                last = AuditHead(seq: record.seq, hash: record.hash)
                expectedSeq += 1
            }
        }
        let recorded = try await store.recordedHead()
        if recorded != last {
            let seq = recorded?.seq ?? 0
            let reason =
                recorded.map { "recorded head is seq \($0.seq) but the chain ends at seq \(last?.seq ?? 0): records are missing" }
                ?? "records exist but no head was recorded"
            return AuditVerificationReport(recordsChecked: checked, head: last, firstBreak: .init(seq: seq, reason: reason))
        }
        return AuditVerificationReport(recordsChecked: checked, head: last, firstBreak: nil)
    }

    private func check(_ record: AuditRecord, expectedSeq: Int64, prev: String) -> String? {
        guard record.seq == expectedSeq else {
            return "expected seq \(expectedSeq), found \(record.seq): a record is missing"
        }
        guard record.prevHash == prev else { return "prev_hash does not match the previous record's hash" }
        guard AuditRecord.digest(record.body) == record.hash else { return "hash does not match the record body" }
        guard let content = try? record.content() else { return "record body is not valid JSON" }
        guard content.seq == record.seq, content.prev == record.prevHash else {
            return "record body disagrees with its seq or prev_hash column"
        }
        return nil
    }
}
