import Foundation
import Testing

@testable import TesseraPolicy

@Suite struct PolicyBundleTests {
    /// A scratch copy of the `tessera` fixture folder.
    func scratchFolder() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bundle-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir + "/policies", withIntermediateDirectories: true)
        try Fixtures.text("tessera/schema.cedarschema").write(
            toFile: dir + "/schema.cedarschema", atomically: true, encoding: .utf8)
        try Fixtures.text("tessera/entities.json").write(toFile: dir + "/entities.json", atomically: true, encoding: .utf8)
        try Fixtures.text("tessera/policies.cedar").write(toFile: dir + "/policies/base.cedar", atomically: true, encoding: .utf8)
        return dir
    }

    @Test func loadsAFolderWithAStableVersion() throws {
        let dir = try scratchFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let a = try PolicyBundle.load(directory: dir)
        #expect(a.policies.policies.count == 6)
        #expect(a.schema != nil)
        #expect(a.entities[uid("Tessera::Workload", "billing")] != nil)
        #expect(a.files == ["policies/base.cedar", "schema.cedarschema", "entities.json"])
        #expect(a.policies.policy(id: "inactive")?.source == "policies/base.cedar")
        #expect(try PolicyBundle.load(directory: dir).version == a.version)
        try "permit(principal, action, resource) when { false };".write(
            toFile: dir + "/policies/extra.cedar", atomically: true, encoding: .utf8)
        let b = try PolicyBundle.load(directory: dir)
        #expect(b.version != a.version)
        #expect(b.policies.policies.count == 7)
    }

    @Test func aBadFileIsReportedWithFileLineAndColumn() throws {
        let dir = try scratchFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "permit(principal, action, resource);\nforbid(principal,, action, resource);".write(
            toFile: dir + "/policies/broken.cedar", atomically: true, encoding: .utf8)
        do {
            _ = try PolicyBundle.load(directory: dir)
            Issue.record("expected a parse error")
        } catch {
            #expect(error.code == .parse)
            #expect(error.source == "policies/broken.cedar")
            #expect(error.line == 2)
            #expect(error.column == 18)
        }
    }

    @Test func policiesThatDoNotValidateAreRejected() throws {
        let dir = try scratchFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "\n@id(\"typo\")\npermit(principal, action, resource) when { principal.owner.status == \"active\" };".write(
            toFile: dir + "/policies/typo.cedar", atomically: true, encoding: .utf8)
        do {
            _ = try PolicyBundle.load(directory: dir)
            Issue.record("expected a validation error")
        } catch {
            #expect(error.code == .validation)
            #expect(error.source == "policies/typo.cedar")
            #expect(error.line == 2)
            #expect(error.reason.contains("typo"))
        }
        #expect(try PolicyBundle.load(directory: dir, requireValid: false).policies.policy(id: "typo") != nil)
    }
}
