import Foundation
import TesseraAudit
import TesseraPolicy
import TesseraStore
import TesseraTestSupport
import Testing

@testable import TesseraServer

private let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// A copy of policies/default in a temporary folder, plus extra files.
private func policyFolder(extra: [String: String] = [:]) throws -> String {
    let folder = NSTemporaryDirectory() + "tessera-policies-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    for name in ["schema.cedarschema", "tessera.cedar"] {
        try FileManager.default.copyItem(
            atPath: repository.appendingPathComponent("policies/default/\(name)").path, toPath: folder + "/" + name)
    }
    for (name, text) in extra { try text.write(toFile: folder + "/" + name, atomically: true, encoding: .utf8) }
    return folder
}

@Test(.stopsServers) func compiledInPoliciesMatchTheFilesInTheRepository() throws {
    let schema = try String(contentsOf: repository.appendingPathComponent("policies/default/schema.cedarschema"), encoding: .utf8)
    let policies = try String(contentsOf: repository.appendingPathComponent("policies/default/tessera.cedar"), encoding: .utf8)
    #expect(DefaultPolicies.schema == schema, "the EmbedFiles plugin embeds policies/default")
    #expect(DefaultPolicies.policies == policies, "the EmbedFiles plugin embeds policies/default")
    let declared = policies.components(separatedBy: "\n@id(").count - 1
    #expect(declared >= 11)
    #expect(try ActivePolicies.builtIn().policies.policies.count == declared, "every @id'd policy in the file is loaded")
}

@Suite(.serialized, .stopsServers) struct PolicyIntegrationTests {
    @Test func policiesDecideWithInventoryAttributesAndDeclaredEntities() async throws {
        let entities = """
            [{"uid": {"type": "Tessera::Owner", "id": "mallory@example.com"}, "attrs": {"status": "departed"}, "parents": []},
             {"uid": {"type": "Tessera::Audience", "id": "https://ledger.prod"}, "attrs": {"environment": "prod"}, "parents": []}]
            """
        let server = try await TestServer.start { $0.policyDirectory = try policyFolder(extra: ["entities.json": entities]) }

        let leaver = try await server.registerWorkload("leaver", extra: ["owner": "mallory@example.com"])
        let refused = try await server.requestToken(leaver)
        #expect(refused.status == 400)
        #expect(refused.json["error"] as? String == "unauthorized_client")
        #expect((refused.json["error_description"] as? String)?.contains("prod-needs-owner") == true)

        let dev = try await server.registerWorkload(
            "dev-service", extra: ["environment": "dev", "audiences": ["https://ledger.prod"]])
        #expect(try await server.requestToken(dev).status == 200)
        let isolated = try await server.requestToken(dev) { $0["audience"] = "https://ledger.prod" }
        #expect((isolated.json["error_description"] as? String)?.contains("environment-isolation") == true)

        await server.stop()
        let database = try SQLiteStorage(directory: server.dataDirectory)
        let refusals = try await database.audit.records(after: 0, limit: 100).map { try $0.content() }
            .filter { $0.type == "token.refused" }
        #expect(refusals.count == 2)
        #expect(refusals.first?.details["policies"] == .strings(["prod-needs-owner"]))
        guard case .string(let version)? = refusals.first?.details["policy_version"] else {
            Issue.record("no policy version in the refusal record")
            return
        }
        #expect(version.hasPrefix("fnv1a64:"))
    }

    @Test func policyChangesAreHotReloadedAndBadOnesKeepThePreviousSet() async throws {
        let folder = try policyFolder()
        let server = try await TestServer.start { $0.policyDirectory = folder }
        let workload = try await server.registerWorkload("reloaded")
        #expect(try await server.requestToken(workload).status == 200)

        try "@id(\"freeze\")\nforbid (principal, action, resource);\n".write(
            toFile: folder + "/freeze.cedar", atomically: true, encoding: .utf8)
        #expect(
            try await eventually(within: .seconds(6), every: .milliseconds(150)) {
                try await server.requestToken(workload).status == 400
            }, "freeze never took effect")

        try "permit (principal, action, resource) when { principal.missing == };\n".write(
            toFile: folder + "/broken.cedar", atomically: true, encoding: .utf8)
        try FileManager.default.removeItem(atPath: folder + "/freeze.cedar")
        try await Task.sleep(for: .seconds(2.5))
        let stillFrozen = try await server.requestToken(workload)
        #expect((stillFrozen.json["error_description"] as? String)?.contains("freeze") == true, "previous set must stay active")

        try FileManager.default.removeItem(atPath: folder + "/broken.cedar")
        #expect(
            try await eventually(within: .seconds(6), every: .milliseconds(150)) {
                try await server.requestToken(workload).status == 200
            }, "unfreeze never took effect")

        await server.stop()
        let database = try SQLiteStorage(directory: server.dataDirectory)
        let types = try await database.audit.records(after: 0, limit: 200).map { try $0.content() }
            .filter { $0.type.hasPrefix("policy.") }
        #expect(types.map(\.type) == ["policy.reloaded", "policy.reload_failed", "policy.reloaded"])
        #expect(types[1].reason?.contains("broken.cedar:1:") == true)
    }

    @Test func aBadPolicyFolderStopsStartupWithFileLineAndColumn() async throws {
        let folder = try policyFolder(extra: [
            "bad.cedar": "permit (principal, action, resource)\nwhen { context.scopes.contains( };\n"
        ])
        var configuration = ServerConfiguration()
        configuration.port = 0
        configuration.dataDirectory = NSTemporaryDirectory() + "tessera-badpol-" + UUID().uuidString
        configuration.policyDirectory = folder
        do {
            _ = try await TesseraServer.make(configuration: configuration, kek: TestServer.freshKEK())
            Issue.record("started with a broken policy")
        } catch let error as ServerError {
            #expect(error.reason.contains("bad.cedar:2:"), "\(error.reason)")
        }
    }

}

@Test(.stopsServers) func defaultPoliciesPassTheirPolicyTests() {
    let file = repository.appendingPathComponent("policies/default/tests/default-policies.json").path
    let report = TesseraPolicy.ConformanceRunner.runTestFile(atPath: file)
    #expect(report.failures.isEmpty, "\(report.failures.map { "\($0.name): \($0.failure ?? "")" })")
    let requests =
        (try? JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: file))) as? [String: Any])?["requests"]
        as? [Any]
    #expect((requests?.count ?? 0) >= 19)
    #expect(report.passed == requests?.count, "every request in the file was run and passed")
    #expect(report.validationsPassed == 1)
}
