import ArgumentParser
import Foundation
import TesseraPolicy
import TesseraServer

struct PolicyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy", abstract: "Validate, test and evaluate Cedar policies offline.",
        discussion: """
            A policy folder holds *.cedar files, an optional schema (schema.cedarschema or schema.json) and an
            optional entities.json. `tessera server --policy-dir DIR` decides every issuance with it and reloads
            it on change or SIGHUP; without --policy-dir the built-in policies in policies/default apply.
            """,
        subcommands: [PolicyValidate.self, PolicyTest.self, PolicyEval.self, PolicyConformance.self, PolicyReplayCommand.self])
}

struct PolicyValidate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate", abstract: "Parse a policy folder and validate it against its schema.")

    @Argument(help: "The policy folder.") var directory: String
    @OptionGroup var output: OutputOptions

    func run() async throws {
        do {
            let policies = try ActivePolicies.load(directory: directory)
            if output.json {
                print("{\"valid\":true,\"policies\":\(policies.policies.policies.count),\"version\":\"\(policies.version)\"}")
            } else {
                let schema = policies.schema == nil ? "no schema (not validated)" : "validated against the schema"
                print(
                    "OK: \(policies.policies.policies.count) policies, \(policies.policies.templates.count) templates, \(schema), version \(policies.version)"
                )
            }
        } catch {
            if output.json {
                let object: [String: Any] = [
                    "valid": false, "file": error.file, "line": error.line ?? NSNull(), "column": error.column ?? NSNull(),
                    "message": error.message,
                ]
                print(String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self))
                throw ExitCode(1)
            }
            throw CommandFailure(message: error.description)
        }
    }
}

struct PolicyTest: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test", abstract: "Run policy test files: requests with expected decisions and reasons.",
        discussion: """
            A test file is JSON like Cedar's integration tests: {"policies": "x.cedar", "entities": "entities.json",
            "schema": "schema.cedarschema", "shouldValidate": true, "requests": [{"description": "...",
            "principal": {"type": "Tessera::Workload", "id": "..."}, "action": {...}, "resource": {...},
            "context": {...}, "decision": "allow", "reason": ["policy-id"], "errors": []}]}.
            Paths are relative to the test file; @id annotations name policies.
            """)

    @Argument(help: "Test files.") var files: [String]
    @OptionGroup var output: OutputOptions

    func run() async throws {
        var passed = 0
        var failed = 0
        for file in files {
            let report = ConformanceRunner.runTestFile(atPath: file)
            passed += report.passed + report.validationsPassed
            failed += report.failed + report.validationsFailed
            for failure in report.failures { print("FAIL \(file): \(failure.name): \(failure.failure ?? "")") }
        }
        print("\(passed) passed, \(failed) failed")
        if failed > 0 { throw ExitCode(1) }
    }
}

struct PolicyConformance: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "conformance",
        abstract: "Run Cedar's conformance tests from a folder laid out like cedar-integration-tests.",
        discussion:
            "Archives (*.tar.gz, e.g. corpus-tests.tar.gz) in DIR are unpacked into a temporary folder first. A request counts as one; the last line is `N passed, M failed`."
    )

    @Argument(help: "The conformance folder (paths inside the test JSON are relative to it).") var directory: String
    @Flag(help: "Print JSON for scripts: passed, failed, per-category counts and every failure.") var json = false

    func run() async throws {
        let report: ConformanceReport
        do {
            report = try ConformanceRunner.runFolder(directory)
        } catch {
            throw CommandFailure(message: error.description)
        }
        if json {
            var categories: [String: [String: Int]] = [:]
            for check in report.checks where !check.isValidation {
                categories[check.category, default: ["passed": 0, "failed": 0]][check.passed ? "passed" : "failed"]! += 1
            }
            let failures = report.failures.map { ["file": $0.file, "name": $0.name, "failure": $0.failure ?? ""] }
            Output.done(
                ["passed": report.passed, "failed": report.failed, "categories": categories, "failures": failures],
                json: true, note: "")
            if !report.allPassed { throw ExitCode(1) }
            return
        }
        for failure in report.failures.prefix(20) { print("FAIL \(failure.file) \(failure.name): \(failure.failure ?? "")") }
        print(report.summary)
        if !report.allPassed { throw ExitCode(1) }
    }
}
