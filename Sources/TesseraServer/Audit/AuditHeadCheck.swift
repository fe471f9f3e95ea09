import TesseraAudit

/// What a server checks before it continues an audit chain: the recorded head is the chain's last record and carries
/// the MAC only the KEK's holder can make. A head moved back over deleted records, or cleared, would otherwise be
/// sealed by the next append, and `tessera audit verify` would then call the truncated chain intact.
struct AuditHeadCheck {
    let store: any AuditRecordStore
    let keyring: AuditKeyring

    /// Throws a configuration error naming what is wrong and what to do.
    func check(acceptUnkeyedPrefix: Bool, remembered: AuditHead? = nil, witnessPath: String = "") async throws {
        try await checkHead(acceptUnkeyedPrefix: acceptUnkeyedPrefix)
        guard let remembered else { return }
        // The head this server made durable and remembered (`AuditHeadWitness`): the chain must still hold it.
        let held = try await store.records(chain: store.chain, after: remembered.seq - 1, limit: 1).first
        guard held?.chainSeq == remembered.seq, held?.hash == remembered.hash else {
            let end = try await store.recordedHead()?.seq ?? 0
            let what =
                end < remembered.seq
                ? "the chain ends at seq \(end), before seq \(remembered.seq) that this server made durable: records were removed"
                : "record \(remembered.seq) is not the one this server made durable: the chain was rewritten"
            throw ServerError(
                .configuration,
                "refusing to continue the audit chain: \(what) (remembered in \(witnessPath)). Check it with `tessera audit "
                    + "verify --kek-file ...`; if the database was restored from an older backup on purpose, move that file "
                    + "away to accept the loss")
        }
    }

    private func checkHead(acceptUnkeyedPrefix: Bool) async throws {
        let chain = store.chain
        guard let head = try await store.recordedHead() else {
            guard try await store.records(chain: chain, after: 0, limit: 1).isEmpty else {
                throw refusal("records exist but no head is recorded")
            }
            return
        }
        let tail = try await store.records(chain: chain, after: head.seq - 1, limit: 2)
        guard tail.count == 1, let last = tail.first, last.chainSeq == head.seq, last.hash == head.hash else {
            throw refusal("the recorded head (seq \(head.seq)) is not the chain's last record")
        }
        guard let keyID = try last.content().key else {
            // Only the unnamed chain can predate keyed audit: a named chain is keyed from its first record.
            if acceptUnkeyedPrefix && chain.isEmpty { return }
            throw refusal(
                "the audit chain's newest record carries no MAC: either the database predates keyed audit (start with "
                    + "--audit-accept-unkeyed-prefix) or a database writer rewrote the chain")
        }
        guard keyring.holds(keyID) else {
            throw refusal("the newest record is keyed with \(keyID), which this KEK does not derive")
        }
        guard let mac = try await store.recordedHeadMAC(), mac == keyring.headMAC(head, keyID: keyID, chain: chain)
        else {
            throw refusal(
                "the recorded head (seq \(head.seq)) has no valid MAC: it was moved, e.g. after deleting the newest records")
        }
    }

    private func refusal(_ what: String) -> ServerError {
        ServerError(
            .configuration,
            "refusing to continue the audit chain: \(what). Check it with `tessera audit verify --kek-file ...` and restore "
                + "the database from a backup that verifies")
    }
}
