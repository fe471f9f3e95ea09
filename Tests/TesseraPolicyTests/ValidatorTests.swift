import Testing

@testable import TesseraPolicy

@Suite struct ValidatorTests {
    func validate(_ policy: String) throws -> ValidationResult {
        Validator.validate(try PolicySet.parse(policy), schema: try Fixtures.photoSchema())
    }

    static let scope = "permit(principal is PhotoApp::User, action == PhotoApp::Action::\"view\", resource is PhotoApp::Photo)"

    @Test(arguments: [
        "principal.level > 3 && resource.meta.width < 1000",
        "principal has manager && principal.manager.level > 1",
        "principal has address.zip && principal.address.zip like \"75*\"",
        "resource.meta has tags && resource.meta.tags.contains(\"sea\")",
        "resource.hasTag(\"k\") && resource.getTag(\"k\") == \"v\"",
        "context.ip.isInRange(ip(\"10.0.0.0/8\")) && context.score.lessThan(decimal(\"0.3\"))",
        "resource has taken && resource.taken < datetime(\"2025-01-01\").offset(duration(\"-1d\"))",
        "if principal.level > 5 then principal.department == \"eng\" else false",
        "principal in PhotoApp::Group::\"friends\" || resource in PhotoApp::Album::\"a\"",
        "[principal.department, \"x\"].containsAny([\"eng\"])",
        "action in [PhotoApp::Action::\"view\", PhotoApp::Action::\"share\"]",
        "principal == PhotoApp::Status::\"draft\" || true",
        "false && principal.nope",
    ])
    func validPolicies(_ condition: String) throws {
        let r = try validate("\(Self.scope) when { \(condition) };")
        #expect(r.isValid, "\(condition): \(r.errors)")
    }

    @Test(arguments: [
        "principal.nope == 1",
        "principal.manager.level > 1",
        "principal.address.city == \"Paris\"",
        "resource.getTag(\"k\") == \"v\"",
        "principal.getTag(\"k\") == \"v\"",
        "principal.level == \"3\"",
        "principal.level + \"1\" > 0",
        "[].isEmpty()",
        "[1, \"a\"].contains(1)",
        "[1, 2].contains(\"x\")",
        "ip(principal.department).isIpv4()",
        "ip(\"not-an-ip\").isIpv4()",
        "context.nope",
        "if true then 1 else \"a\"",
        "if principal.level > 1 then 1 else \"a\"",
        "principal like \"a\"",
        "context.score < decimal(\"1.0\")",
        "PhotoApp::Nope::\"x\" == principal",
        "PhotoApp::Status::\"deleted\" == principal",
        "action == PhotoApp::Action::\"nope\"",
        "principal.level",
        "action.foo == 1",
    ])
    func invalidPolicies(_ condition: String) throws {
        let text = "\(Self.scope) when { \(condition) };"
        guard let policies = try? PolicySet.parse(text) else { return }  // some are parse errors, which is fine
        let r = Validator.validate(policies, schema: try Fixtures.photoSchema())
        #expect(!r.isValid, "\(condition) should not validate")
        #expect(r.errors.allSatisfy { $0.policyID == "policy0" })
    }

    @Test func scopeThatMatchesNoActionIsInvalid() throws {
        let r = try validate(#"permit(principal is PhotoApp::Photo, action == PhotoApp::Action::"view", resource);"#)
        #expect(!r.isValid)
        #expect(r.errors[0].message.contains("applicable action"))
        #expect(try validate(#"permit(principal, action == PhotoApp::Action::"admin", resource);"#).isValid == false)
    }

    @Test func unknownNamesInScope() throws {
        #expect(!(try validate(#"permit(principal is Nope, action, resource);"#).isValid))
        #expect(!(try validate(#"permit(principal, action in [PhotoApp::Action::"nope"], resource);"#).isValid))
    }

    @Test func templatesAreCheckedWithLinkedSlotTypes() throws {
        #expect(
            try validate(
                #"permit(principal in ?principal, action == PhotoApp::Action::"view", resource) when { principal.level > 1 };"#
            ).isValid)
        #expect(!(try validate(#"permit(principal == ?principal, action, resource) when { principal.nope };"#).isValid))
    }

    @Test func unreachableCodeIsNotChecked() throws {
        // `principal is PhotoApp::Photo` is False for every environment, so the body is never typechecked.
        #expect(
            try validate(#"permit(principal, action, resource) when { principal is PhotoApp::Photo && principal.nope };"#).isValid
        )
    }
}
