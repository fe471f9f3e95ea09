import Foundation
import Testing

@testable import TesseraCore

func makeIdentity(
    status: IdentityStatus = .active, expiresAt: Date? = nil, owner: String = "alice@example.com",
    scopes: [String] = ["read"], tokenTTL: Int? = nil
) throws -> Identity {
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    return Identity(
        id: Identity.newID(), spiffeID: try SPIFFEID(parsing: "spiffe://example.org/svc"), kind: .service, owner: owner,
        purpose: "test", expiresAt: expiresAt, status: status, scopes: scopes, tokenTTL: tokenTTL, jwks: "{}",
        createdAt: now, updatedAt: now)
}

@Test func activeIdentityIsEligible() throws {
    #expect(try makeIdentity().eligibility(at: Date(timeIntervalSince1970: 1_800_000_000)) == .eligible)
}

@Test(arguments: [IdentityStatus.suspended, .retired])
func inactiveIdentitiesAreIneligible(status: IdentityStatus) throws {
    let eligibility = try makeIdentity(status: status).eligibility(at: Date(timeIntervalSince1970: 1_800_000_000))
    #expect(eligibility == .ineligible(reason: "identity is \(status.rawValue)"))
}

@Test func expiryIsCheckedAgainstTheInjectedClock() throws {
    let clock = ManualTimeSource(Date(timeIntervalSince1970: 1_800_000_000))
    let identity = try makeIdentity(expiresAt: clock.now().addingTimeInterval(60))
    #expect(identity.eligibility(at: clock.now()).isEligible)
    clock.advance(by: 60)
    #expect(!identity.eligibility(at: clock.now()).isEligible)
}

@Test func retirementIsFinal() throws {
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    let retired = try makeIdentity().transitioned(to: .retired, at: now)
    #expect(retired.status == .retired)
    #expect(throws: TesseraError.self) { try retired.transitioned(to: .active, at: now) }
    #expect(throws: TesseraError.self) { try retired.applying(IdentityUpdate(), at: now) }
}

@Test func suspendAndReactivate() throws {
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    let suspended = try makeIdentity().transitioned(to: .suspended, at: now)
    #expect(try suspended.transitioned(to: .active, at: now).status == .active)
    #expect(throws: TesseraError.self) { try suspended.transitioned(to: .suspended, at: now) }
}

@Test func validationRequiresOwnerAndPurposeAndBoundsTTL() throws {
    #expect(throws: TesseraError.self) { try makeIdentity(owner: "  ").validate(maximumTokenTTL: 3600) }
    #expect(throws: TesseraError.self) { try makeIdentity(tokenTTL: 7200).validate(maximumTokenTTL: 3600) }
    #expect(throws: TesseraError.self) { try makeIdentity(scopes: ["bad scope"]).validate(maximumTokenTTL: 3600) }
    try makeIdentity(tokenTTL: 600).validate(maximumTokenTTL: 3600)
}

@Test func updateClearsOptionalFieldsWithExplicitNil() throws {
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    let identity = try makeIdentity(expiresAt: now.addingTimeInterval(100))
    var update = IdentityUpdate()
    update.expiresAt = .some(nil)
    update.owner = "bob@example.com"
    let updated = try identity.applying(update, at: now.addingTimeInterval(1))
    #expect(updated.expiresAt == nil)
    #expect(updated.owner == "bob@example.com")
    #expect(updated.updatedAt == now.addingTimeInterval(1))
}

@Test func scopeParsingRejectsForbiddenCharactersAndDeduplicates() throws {
    #expect(try ScopeSet.parse("a b  a c") == ["a", "b", "c"])
    #expect(throws: TesseraError.self) { try ScopeSet.parse("a \"b\"") }
    #expect(throws: TesseraError.self) { try ScopeSet.parse("a\\b") }
}

@Test func grantedScopesAuthorizerDeniesUngrantedScopesAndAudiences() async throws {
    let authorizer = GrantedScopesAuthorizer(defaultAudiences: ["https://api"])
    let identity = try makeIdentity(scopes: ["read"])
    func request(_ scopes: [String], _ audience: String) -> IssuanceRequest {
        IssuanceRequest(
            action: "issue_token", identity: identity, requestedScopes: scopes, audience: audience,
            grantType: "client_credentials", sourceAddress: nil, time: Date())
    }
    #expect(await authorizer.authorize(request(["read"], "https://api")).isAllowed)
    let denied = await authorizer.authorize(request(["read", "write"], "https://api"))
    #expect(!denied.isAllowed)
    #expect(denied.reasons.first?.contains("write") == true)
    #expect(!(await authorizer.authorize(request(["read"], "https://other")).isAllowed))
}

@Test func iso8601RoundTripsWithAndWithoutFractions() {
    let whole = Date(timeIntervalSince1970: 1_800_000_000)
    #expect(ISO8601.format(whole) == "2027-01-15T08:00:00Z")
    #expect(ISO8601.parse("2027-01-15T08:00:00Z") == whole)
    #expect(ISO8601.parse("2027-01-15T08:00:00.250Z") == whole.addingTimeInterval(0.25))
    #expect(ISO8601.parse("2027-01-15") != nil)
    #expect(ISO8601.parse("yesterday") == nil)
}

@Test func fastISO8601FormatterAgreesWithFoundation() {
    var generator = SystemRandomNumberGenerator()
    let reference = Date.ISO8601FormatStyle()
    for _ in 0..<2000 {
        let date = Date(timeIntervalSince1970: Double(Int64.random(in: 0...4_102_444_800, using: &generator)))
        #expect(ISO8601.format(date) == reference.format(date))
    }
    #expect(ISO8601.format(Date(timeIntervalSince1970: 1_800_000_000.25)) == "2027-01-15T08:00:00.250Z")
    #expect(ISO8601.format(Date(timeIntervalSince1970: 951_782_400)) == "2000-02-29T00:00:00Z")
}

@Test func randomTokensHaveTheRequestedLengthAndDiffer() {
    for count in [0, 1, 7, 8, 9, 18, 32] { #expect(RandomToken.bytes(count).count == count) }
    #expect(RandomToken.base64URL(bytes: 18).count == 24)
    #expect(Set((0..<100).map { _ in RandomToken.hex(bytes: 16) }).count == 100)
}
