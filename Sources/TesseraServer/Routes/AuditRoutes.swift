import Foundation
import Hummingbird
import TesseraAudit

/// `/v1/audit`: chain verification and record pages.
struct AuditRoutes {
    let store: any AuditRecordStore

    func register(in group: RouterGroup<TesseraRequestContext>) {
        group.get("audit/verify") { _, context in
            _ = try context.requireAdmin()
            let report = try await AuditVerifier(store: store).verify()
            struct Body: Encodable {
                let intact: Bool
                let recordsChecked: Int64
                let headSeq: Int64?
                let headHash: String?
                let brokenSeq: Int64?
                let brokenReason: String?
                enum CodingKeys: String, CodingKey {
                    case intact
                    case recordsChecked = "records_checked", headSeq = "head_seq", headHash = "head_hash"
                    case brokenSeq = "broken_seq", brokenReason = "broken_reason"
                }
            }
            return try Response.json(
                Body(
                    intact: report.isIntact, recordsChecked: report.recordsChecked, headSeq: report.head?.seq,
                    headHash: report.head?.hash, brokenSeq: report.firstBreak?.seq, brokenReason: report.firstBreak?.reason))
        }
        group.get("audit/records") { request, context in
            _ = try context.requireAdmin()
            let query = request.uri.queryParameters
            let after = query["after"].flatMap { Int64($0) } ?? 0
            let limit = query["limit"].flatMap { Int($0) } ?? 100
            guard after >= 0, (1...1000).contains(limit) else {
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
