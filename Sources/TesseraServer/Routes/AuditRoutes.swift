import Foundation
import Hummingbird
import TesseraAudit

/// `/v1/audit`: chain verification (MACs included), record pages and the public checkpoint key.
struct AuditRoutes {
    let store: any AuditRecordStore
    let keyring: AuditKeyring
    let acceptUnkeyedPrefix: Bool

    /// `GET /v1/audit/checkpoint-key`, unauthenticated: the Ed25519 key that verifies checkpoints, for verifiers
    /// without the KEK (`tessera audit verify --checkpoint-key`).
    func registerPublic(in router: Router<TesseraRequestContext>) {
        let key = keyring.checkpointKey
        router.get("v1/audit/checkpoint-key") { _, _ in
            struct Body: Encodable {
                let algorithm = "Ed25519"
                let publicKey: String
                let fingerprint: String
                enum CodingKeys: String, CodingKey {
                    case algorithm
                    case publicKey = "public_key"
                    case fingerprint
                }
            }
            return try Response.json(Body(publicKey: key.publicKey, fingerprint: key.fingerprint))
        }
    }

    func register(in group: RouterGroup<AdminRequestContext>) {
        group.get("audit/verify") { _, context in
            let report = try await AuditVerifier(store: store, keyring: keyring, acceptUnkeyedPrefix: acceptUnkeyedPrefix)
                .verify()
            struct Body: Encodable {
                let intact: Bool
                let recordsChecked: Int64
                let headSeq: Int64?
                let headHash: String?
                let brokenSeq: Int64?
                let brokenReason: String?
                let legacyRecords: Int64
                let keyedRecords: Int64
                let checkpoints: Int
                let lastCheckpointSeq: Int64?
                enum CodingKeys: String, CodingKey {
                    case intact, checkpoints
                    case recordsChecked = "records_checked"
                    case headSeq = "head_seq"
                    case headHash = "head_hash"
                    case brokenSeq = "broken_seq"
                    case brokenReason = "broken_reason"
                    case legacyRecords = "legacy_records"
                    case keyedRecords = "keyed_records"
                    case lastCheckpointSeq = "last_checkpoint_seq"
                }
            }
            return try Response.json(
                Body(
                    intact: report.isIntact, recordsChecked: report.recordsChecked, headSeq: report.head?.seq,
                    headHash: report.head?.hash, brokenSeq: report.firstBreak?.seq, brokenReason: report.firstBreak?.reason,
                    legacyRecords: report.legacyRecords, keyedRecords: report.keyedRecords,
                    checkpoints: report.checkpointsInLog, lastCheckpointSeq: report.lastCheckpoint?.seq))
        }
        group.get("audit/records") { request, context in
            let query = request.uri.queryParameters
            // A parameter that is present but not a number is an error, not the default (docs/threat-model.md).
            let after = query["after"].map { Int64($0) } ?? 0
            let limit = query["limit"].map { Int($0) } ?? 100
            guard let after, let limit, after >= 0, (1...1000).contains(limit) else {
                throw ProblemDetails.badRequest("after must be ≥ 0 and limit 1...1000")
            }
            let lines = try await store.records(after: after, limit: limit).map { $0.exportLine() }
            var headers = HTTPFields()
            headers[.contentType] = "application/x-ndjson"
            let body = lines.isEmpty ? "" : lines.joined(separator: "\n") + "\n"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
        }
    }
}
