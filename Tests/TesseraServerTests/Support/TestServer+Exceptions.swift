import Foundation
import Testing

extension TestServer {
    /// Creates a break-glass exception granting `workload` the default test scopes for an hour; expects `201`.
    @discardableResult
    func grantException(
        _ workload: Workload, owner: String, justification: String, scopes: [String] = ["invoices:read", "invoices:write"]
    ) async throws -> Reply {
        let created = try await admin(
            "POST", "/v1/exceptions",
            json: ["identity": workload.clientID, "owner": owner, "justification": justification, "scopes": scopes, "ttl": 3600])
        #expect(created.status == 201, "\(created.json)")
        return created
    }
}
