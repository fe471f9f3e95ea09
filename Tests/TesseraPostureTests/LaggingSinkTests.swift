import Foundation
import TesseraAudit
import TesseraCore
import TesseraStore
import Testing

@testable import TesseraPosture

/// A sink past its lag bound is a finding (the SOC is not seeing the audit trail) until it catches up, including
/// when the server that reported it restarted and so never writes `sink.caught_up`.
@Suite struct LaggingSinkTests {
    static func lagging(_ log: AuditLog, sink: String, lag: Int64, delivered: Int64) async throws {
        try await log.append(
            AuditEvent(
                type: AuditEventType.sinkLagging, outcome: .failure, actor: "system", subject: sink,
                details: ["lag": .int(lag), "delivered_seq": .int(delivered), "maximum_lag": .int(100)]))
    }

    static func sinkFindings(_ fixture: EstateFixture, digestPath: String) async throws -> [Finding] {
        try await fixture.engine(digestPath: digestPath).evaluate().filter { $0.category == .laggingSink }
    }

    @Test func aLaggingSinkIsAFindingUntilItsCursorOrARecordSaysItCaughtUp() async throws {
        let fixture = try await EstateFixture.load()
        defer { fixture.remove() }
        let path = fixture.directory + "/digest"
        #expect(try await Self.sinkFindings(fixture, digestPath: path).isEmpty)
        let log = try await AuditLog(store: fixture.database.audit, clock: fixture.clock)
        let sinks = fixture.database.auditSinks
        let now = fixture.clock.now()
        // Both sinks were delivered once, then fell behind.
        for sink in ["siem", "archive"] {
            #expect(try await sinks.acquire(sink: sink, holder: "a", until: now.addingTimeInterval(30), now: now) == 0)
            #expect(try await sinks.advance(sink: sink, holder: "a", to: 1, until: now.addingTimeInterval(30), now: now))
        }
        try await Self.lagging(log, sink: "siem", lag: 150, delivered: 1)
        try await Self.lagging(log, sink: "archive", lag: 151, delivered: 1)
        var findings = try await Self.sinkFindings(fixture, digestPath: path)
        #expect(findings.map(\.subject) == ["sink:archive", "sink:siem"])
        let siem = try #require(findings.last)
        #expect(siem.owasp == .nhi6 && siem.severity == .medium && siem.identityID == nil)
        #expect(siem.title.contains("150 records behind its bound of 100"))
        #expect(siem.evidence.contains { $0.kind == "audit" && $0.seq != nil })
        #expect(siem.evidence.contains { $0.detail.contains("delivered through #1") })
        // `siem` reports it caught up; `archive`'s server restarted, so only its cursor shows it delivered.
        try await log.append(
            AuditEvent(
                type: AuditEventType.sinkCaughtUp, outcome: .success, actor: "system", subject: "siem",
                details: ["lag": .int(3), "delivered_seq": .int(300), "maximum_lag": .int(100)]))
        findings = try await Self.sinkFindings(fixture, digestPath: path)
        #expect(findings.map(\.subject) == ["sink:archive"])
        let head = try #require(try await fixture.database.audit.recordedHead()).seq
        #expect(
            try await sinks.advance(sink: "archive", holder: "a", to: head - 10, until: now.addingTimeInterval(30), now: now))
        #expect(try await Self.sinkFindings(fixture, digestPath: path).isEmpty)
        // Falling behind again opens it again; a full fold (no digest) agrees with the incremental one.
        try await Self.lagging(log, sink: "siem", lag: 400, delivered: 1)
        #expect(
            try await Self.sinkFindings(fixture, digestPath: path).map(\.title) == [
                "audit sink siem fell 400 records behind its bound of 100"
            ])
        #expect(try await fixture.engine().evaluate().filter { $0.category == .laggingSink }.map(\.subject) == ["sink:siem"])
    }
}
