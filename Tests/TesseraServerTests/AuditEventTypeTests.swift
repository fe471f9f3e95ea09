import Foundation
import TesseraAudit
import TesseraCore
import TesseraTestSupport
import Testing

/// `AuditEventType` is the one list of record types: writers use it, readers look for its names. A type written that
/// is not in the list, or a list entry spelled twice, fails here.
@Suite(.stopsServers) struct AuditEventTypeTests {
    @Test func everyRecordAServerWritesHasAListedType() async throws {
        let server = try await TestServer.start()
        let workload = try await server.registerWorkload("billing")
        #expect(try await server.requestToken(workload).status == 200)
        #expect(try await server.requestToken(workload, assertion: "not-a-jwt").status == 401)
        #expect(try await server.admin("PATCH", "/v1/identities/\(workload.id)", json: ["purpose": "bills"]).status == 200)
        for action in ["suspend", "activate", "retire"] {
            #expect(
                try await server.admin("POST", "/v1/identities/\(workload.id)/\(action)", json: ["reason": "test"]).status == 200)
        }
        let task = try await server.admin(
            "POST", "/v1/tasks", json: ["intent": "rotate", "identities": ["spiffe://example.org/billing"], "ttl": 600])
        #expect(task.status == 201)
        let taskID = try #require(task.json["id"] as? String)
        #expect(try await server.admin("POST", "/v1/tasks/\(taskID)/end", json: ["reason": "done"]).status == 200)
        #expect(try await server.admin("GET", "/v1/identities", token: "tsr_admin_forged").status == 401)

        let records = try await server.auditRecords()
        let types = Set(records.compactMap { $0["type"] as? String })
        #expect(
            types.isSuperset(of: [
                AuditEventType.identityCreated, AuditEventType.identityUpdated, AuditEventType.identitySuspended,
                AuditEventType.identityReactivated, AuditEventType.identityRetired, AuditEventType.tokenIssued,
                AuditEventType.taskCreated, AuditEventType.taskEnded,
            ]), "\(types.sorted())")
        #expect(types.subtracting(AuditEventType.all).isEmpty, "unlisted: \(types.subtracting(AuditEventType.all).sorted())")
    }

    @Test func theListIsWellFormedAndCoversEveryTaskAndStatusRecord() {
        for type in AuditEventType.all {
            #expect(type.allSatisfy { $0.isLowercase || $0 == "." || $0 == "_" }, "\(type)")
            #expect(type.contains("."), "\(type)")
        }
        for state in WorkTask.State.allCases where state != .open {
            #expect(AuditEventType.all.contains(AuditEventType.taskFinished(state.rawValue)), "\(state)")
        }
        for status in IdentityStatus.allCases {
            #expect(AuditEventType.all.contains(AuditEventType.identityStatusChanged(to: status.rawValue)), "\(status)")
        }
    }
}
