import Foundation
import Testing

@testable import TesseraPolicy

/// Printing a policy and parsing it back gives the same policy.
@Suite struct PolicyTextTests {
    static func assertRoundTrip(_ text: String, _ name: String) throws {
        let original = try PolicySet.parse(text)
        let printed = original.description
        let reparsed = try PolicySet.parse(printed)
        #expect(reparsed.policies.map(\.id) == original.policies.map(\.id), "\(name)")
        #expect(reparsed.templates.map(\.id) == original.templates.map(\.id), "\(name)")
        for (a, b) in zip(original.templates + original.policies, reparsed.templates + reparsed.policies) {
            #expect(
                a.effect == b.effect && a.principal == b.principal && a.action == b.action && a.resource == b.resource, "\(name)")
            #expect(a.conditions.map(\.isWhen) == b.conditions.map(\.isWhen), "\(name)")
            #expect(a.conditions.map(\.body) == b.conditions.map(\.body), "\(name): \(b)")
            #expect(a.annotations.filter { $0.key != "id" }.map(\.value) == b.annotations.filter { $0.key != "id" }.map(\.value))
        }
    }

    @Test func tricky() throws {
        let text = #"""
            @note("a \"quoted\" \u{1F600} value")
            permit(principal is User in Group::"g\n", action in [Action::"a", NS::Action::"b"], resource == ?resource)
            when { -(5) == -5 && -(-5) == 5 && !!true && !(1 > 2) && 1 - -1 == 2 && (if true then 1 else 2) + 1 > 0 }
            unless { context["if"] has "in" || "a*b\\" like "a\**\\" || principal.tags.contains(-1) || [{"x y": [1]}].isEmpty() }
            when { ip("10.0.0.1").isInRange(ip("10.0.0.0/8")) && principal has a.b.c && resource is NS::Photo in [Album::"x"] };
            """#
        try Self.assertRoundTrip(text, "tricky")
        let p = try PolicySet.parse("permit(principal, action, resource) when { 1 + 2 * 3 == 7 };").policies[0]
        #expect(p.description.contains("(1 + (2 * 3)) == 7"))
    }

    @Test func fixturesAndConformancePoliciesRoundTrip() throws {
        var files: [(String, String)] = []
        var dirs = [Fixtures.directory]
        if let conf = ConformanceRunnerTests.conformanceDir { dirs.append(conf) }
        for dir in dirs {
            try ConformanceRunner.withUnpackedFolder(dir) { root in
                let runner = ConformanceRunner(root: root)
                var stack = [""]
                while let rel = stack.popLast() {
                    let path = rel.isEmpty ? root : root + "/" + rel
                    for name in (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [] {
                        let child = rel.isEmpty ? name : rel + "/" + name
                        if name.hasSuffix(".cedar"), let data = FileManager.default.contents(atPath: root + "/" + child) {
                            files.append((child, String(decoding: data, as: UTF8.self)))
                        } else if !name.contains(".") {
                            stack.append(child)
                        }
                    }
                }
                _ = runner
            }
        }
        #expect(files.count > 5)
        for (name, text) in files { try Self.assertRoundTrip(text, name) }
        print("round-tripped \(files.count) policy files")
    }
}
