import Foundation
import TesseraAudit
import TesseraCore
import TesseraCrypto
import X509

extension AgentService {
    private enum Outcome: Sendable {
        case issued(AgentAPI.X509SVID, RegistrationEntry)
        case refused(String, String)
    }

    /// Signs one X.509-SVID per (entry, CSR) for entries of `node` whose identity is active in the inventory.
    /// Entries are read once per batch and each SPIFFE ID's eligibility once; CSR checks and signing run on
    /// every core; the audit records of the batch are appended together (one group commit).
    /// `proof` (the node proof's key) is stored with every record of the batch: the records may commit in more than one
    /// group commit, and a crash between them must not leave committed issuances without the key.
    func issueX509(
        node: String, request: AgentAPI.X509SVIDBatchRequest, proof: ReplayGuard? = nil
    ) async throws -> AgentAPI.X509SVIDBatch {
        guard request.requests.count <= 256 else { throw ProblemDetails.badRequest("at most 256 CSRs per request") }
        var entries: [String: RegistrationEntry] = [:]
        for entry in try await repository.entries(nodeID: node) { entries[entry.id] = entry }
        var verdicts: [SPIFFEID: String?] = [:]
        var work: [(AgentAPI.X509SVIDBatchRequest.Item, Result<RegistrationEntry, TesseraError>)] = []
        for item in request.requests {
            guard let entry = entries[item.entryID] else {
                work.append((item, .failure(TesseraError(.invalidArgument, "no such registration entry for this node"))))
                continue
            }
            if verdicts[entry.spiffeID] == nil { verdicts[entry.spiffeID] = .some(try await refusal(for: entry.spiffeID)) }
            if let reason = verdicts[entry.spiffeID] ?? nil {
                work.append((item, .failure(TesseraError(.invalidIdentity, reason))))
            } else {
                work.append((item, .success(entry)))
            }
        }
        let outcomes = await signAll(work)
        var svids: [AgentAPI.X509SVID] = []
        var refused: [String: String] = [:]
        var events: [AuditEvent] = []
        for outcome in outcomes {
            switch outcome {
            case .issued(let svid, let entry):
                svids.append(svid)
                let serial = svid.serial ?? ""
                events.append(
                    AuditEvent(
                        type: "svid.x509.issued", outcome: .success, actor: "node:\(node)", subject: entry.spiffeID.description,
                        details: [
                            "entry_id": .string(entry.id), "expires_at": .int(Int64(svid.expiresAt)), "serial": .string(serial),
                        ],
                        replayGuard: proof,
                        lease: leases == nil || serial.isEmpty
                            ? nil
                            : Lease(
                                id: serial, kind: Self.x509LeaseKind, subject: entry.spiffeID.description, taskID: nil,
                                issuedAt: clock.now(), expiresAt: Date(timeIntervalSince1970: svid.expiresAt))))
            case .refused(let entryID, let reason):
                refused[entryID] = reason
                events.append(
                    AuditEvent(
                        type: "svid.x509.refused", outcome: .denied, actor: "node:\(node)", reason: reason,
                        details: ["entry_id": .string(entryID)], replayGuard: proof))
            }
        }
        if events.isEmpty { try await claimDurably(proof) }
        // Appended together, so group commit makes one durable write for the batch.
        try await audit.append(all: events)
        return AgentAPI.X509SVIDBatch(svids: svids, refused: refused)
    }

    /// Verifies the CSRs and signs, spread over the available cores, keeping the request order.
    private func signAll(_ work: [(AgentAPI.X509SVIDBatchRequest.Item, Result<RegistrationEntry, TesseraError>)]) async
        -> [Outcome]
    {
        let lanes = max(1, min(ProcessInfo.processInfo.activeProcessorCount, work.count / 8))
        let service = self
        return await withTaskGroup(of: [(Int, Outcome)].self) { group in
            for lane in 0..<lanes {
                group.addTask {
                    stride(from: lane, to: work.count, by: lanes).map { index in (index, service.outcome(work[index])) }
                }
            }
            var ordered = [Outcome?](repeating: nil, count: work.count)
            for await chunk in group {
                for (index, outcome) in chunk { ordered[index] = outcome }
            }
            return ordered.compactMap { $0 }
        }
    }

    private func outcome(_ job: (AgentAPI.X509SVIDBatchRequest.Item, Result<RegistrationEntry, TesseraError>)) -> Outcome {
        let entryID = String(job.0.entryID.prefix(64))
        do {
            let entry = try job.1.get()
            let key = try CertificateRequest.publicKey(fromDER: try Self.decodeCSR(job.0.csr))
            return .issued(try sign(entry.spiffeID, publicKey: key, ttl: entry.x509TTL, entryID: entry.id), entry)
        } catch {
            return .refused(entryID, Self.reason(error))
        }
    }
}
