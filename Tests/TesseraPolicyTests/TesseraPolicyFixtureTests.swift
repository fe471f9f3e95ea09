import Testing

@testable import TesseraPolicy

/// The shipped example sets (`photoapp`, `tessera`) run through the `tessera policy test` path.
@Suite struct TesseraPolicyFixtureTests {
    @Test(arguments: ["photoapp/requests.json", "tessera/tests.json"])
    func exampleTestFilePasses(_ file: String) throws {
        let folder = Fixtures.directory + "/" + file.split(separator: "/")[0]
        let name = String(file.split(separator: "/")[1])
        let report = ConformanceRunner(root: folder, useIDAnnotations: true).run(files: [name])
        for c in report.checks where !c.passed { Issue.record("\(c.name): \(c.failure!)") }
        #expect(report.checks.count > 3)
        #expect(report.failed == 0)
        #expect(report.summary.hasSuffix("\(report.passed) passed, 0 failed"))
    }

    @Test func jsonSchemaMatchesCedarSchema() throws {
        let a = try Fixtures.photoSchema()
        let b = try Schema.fromJSON(try Fixtures.text("photoapp/schema.json"))
        #expect(Set(a.entityTypes.keys) == Set(b.entityTypes.keys))
        #expect(Set(a.actions.keys) == Set(b.actions.keys))
        for (name, def) in a.entityTypes {
            #expect(def.shape == b.entityTypes[name]!.shape, "shape of \(name)")
            #expect(def.tags == b.entityTypes[name]!.tags)
            #expect(Set(def.memberOf) == Set(b.entityTypes[name]!.memberOf))
        }
        for (uid, def) in a.actions {
            #expect(def.context == b.actions[uid]!.context)
            #expect(Set(def.memberOf) == Set(b.actions[uid]!.memberOf))
        }
        #expect(Validator.validate(try Fixtures.photoPolicies(), schema: b).isValid)
    }

    @Test func runTestFileResolvesPathsNextToTheFile() {
        let report = ConformanceRunner.runTestFile(atPath: Fixtures.directory + "/tessera/tests.json")
        #expect(report.failures.isEmpty)
        #expect(report.checks.count == 11)  // 10 requests + shouldValidate
        #expect(ConformanceRunner.runTestFile(atPath: Fixtures.directory + "/tessera/missing.json").failed == 1)
    }
}
