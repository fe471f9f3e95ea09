import Foundation
import TesseraCore
import TesseraTestSupport
import Testing

private let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// Cedar decides X.509-SVID issuance too (action `issue_svid`, resource the trust domain): a policy
/// that forbids it refuses the SVID, with the policy's reason, even though the entry and the identity are valid.
@Suite(.stopsServers) struct SVIDPolicyTests {
    @Test func aPolicyThatForbidsIssueSVIDRefusesTheSVID() async throws {
        let folder = NSTemporaryDirectory() + "tessera-svid-policies-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        for name in ["schema.cedarschema", "tessera.cedar"] {
            try FileManager.default.copyItem(
                atPath: repository.appendingPathComponent("policies/default/\(name)").path, toPath: folder + "/" + name)
        }
        try """
        @id("no-svids-for-batch")
        forbid (principal is Tessera::Workload, action == Tessera::Action::"issue_svid", resource)
        when { principal.spiffeId like "spiffe://example.org/batch*" };
        """.write(toFile: folder + "/svids.cedar", atomically: true, encoding: .utf8)
        let server = try await TestServer.start { $0.policyDirectory = folder }
        let node = try await NodeProofAttackTests.attest(server)  // entry for spiffe://example.org/web on node n1
        _ = try await server.registerWorkload("batch-report")
        let entry = try await server.admin(
            "POST", "/v1/entries",
            json: ["spiffe_id": "spiffe://example.org/batch-report", "node_id": "n1", "selectors": ["unix:uid:1001"]])
        let batchEntry = try #require(entry.json["id"] as? String, "\(entry.json)")

        for (entryID, allowed) in [(node.entryID, true), (batchEntry, false)] {
            let body = try NodeProofAttackTests.svidRequest(entryID)
            let proof = try NodeProofAttackTests.proof(node, server, "POST", "/agent/v1/x509-svids", body: body)
            let reply = try await server.send(
                "POST", "/agent/v1/x509-svids", body: body, contentType: "application/json", headers: ["Authorization": proof])
            #expect(reply.status == 200)
            let batch = try AgentAPI.decoder().decode(AgentAPI.X509SVIDBatch.self, from: reply.body)
            if allowed {
                #expect(batch.svids.count == 1 && batch.refused.isEmpty, "\(batch.refused)")
            } else {
                #expect(batch.svids.isEmpty)
                #expect(batch.refused[entryID]?.contains("no-svids-for-batch") == true, "\(batch.refused)")
            }
        }
    }
}
