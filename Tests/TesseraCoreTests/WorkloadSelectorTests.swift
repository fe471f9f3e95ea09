import Testing

@testable import TesseraCore

private let process = WorkloadProcess(
    pid: 42, uid: 1000, gid: 100, executablePath: "/usr/bin/app", executableSHA256: String(repeating: "ab", count: 32))

@Test func selectorsParseAndMatch() throws {
    #expect(try WorkloadSelector(parsing: "unix:uid:1000").matches(process))
    #expect(try !WorkloadSelector(parsing: "unix:uid:1001").matches(process))
    #expect(try WorkloadSelector(parsing: "unix:gid:100").matches(process))
    #expect(try WorkloadSelector(parsing: "unix:path:/usr/bin/app").matches(process))
    #expect(try WorkloadSelector(parsing: "unix:sha256:" + String(repeating: "ab", count: 32)).matches(process))
    #expect(try WorkloadSelector(parsing: "unix:path:/a:b").value == "/a:b")
}

@Test func malformedSelectorsAreRefused() {
    for bad in ["uid:1000", "unix:uid:-1", "unix:uid:01", "unix:pid:1", "unix:path:rel", "unix:sha256:ABC", "k8s:ns:x", ""] {
        #expect(throws: TesseraError.self) { try WorkloadSelector(parsing: bad) }
    }
}

@Test func entriesNeedEverySelectorAndAtLeastOne() throws {
    let id = try SPIFFEID(parsing: "spiffe://example.org/app")
    func entry(_ selectors: [String]) throws -> RegistrationEntry {
        RegistrationEntry(
            id: "ent_1", spiffeID: id, nodeID: "n1", selectors: try selectors.map { try WorkloadSelector(parsing: $0) },
            x509TTL: 3600, jwtTTL: 300, createdAt: .init(timeIntervalSince1970: 0))
    }
    #expect(try entry(["unix:uid:1000", "unix:path:/usr/bin/app"]).matches(process))
    #expect(try !entry(["unix:uid:1000", "unix:path:/usr/bin/other"]).matches(process))
    #expect(try !entry([]).matches(process))
    #expect(throws: TesseraError.self) { try RegistrationEntry.validateNodeID("a/b") }
    #expect(throws: TesseraError.self) { try RegistrationEntry.validateNodeID("") }
    try RegistrationEntry.validateNodeID("node-1.example")
}
