import Foundation

extension TestServer {
    /// The audit records (first 1,000) as parsed JSON objects, through the admin API.
    func auditRecords() async throws -> [[String: Any]] {
        let reply = try await admin("GET", "/v1/audit/records?limit=1000")
        return String(decoding: reply.body, as: UTF8.self).split(separator: "\n").compactMap { line in
            try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
        }
    }
}
