import Foundation
import Testing
import TesseraAudit

@testable import TesseraPosture

@Suite struct FastRecordParserTests {
    static func body(_ details: [String: AuditValue], subject: String? = "spiffe://corp.invalid/a") throws -> String {
        let event = AuditEvent(type: "token.issued", outcome: .success, actor: subject, subject: subject, reason: nil, details: details)
        return try AuditRecord.make(seq: 42, prevHash: AuditRecord.genesisHash, time: Date(timeIntervalSince1970: 1_800_000_000.25), event: event).body
    }

    @Test func agreesWithJSONDecoder() throws {
        let bodies = [
            try Self.body([
                "scope": .strings(["a:b", "c"]), "source": .string("10.0.0.1"), "aud": .string("https://x.invalid/p"),
                "exp": .int(1_800_000_300), "act": .strings(["spiffe://corp.invalid/u"]), "flag": .bool(true), "n": .int(-3),
            ]),
            try Self.body([:], subject: nil),
            try Self.body(["scope": .strings([]), "source": .string("2001:db8::1")]),
        ]
        for body in bodies {
            let fast = try #require(FastRecordParser.parse(body))
            let slow = try JSONDecoder().decode(PostureRecordView.self, from: Data(body.utf8))
            #expect(fast.seq == slow.seq && fast.time == slow.time && fast.type == slow.type && fast.subject == slow.subject)
            #expect(fast.details.scope == slow.details.scope && fast.details.source == slow.details.source)
            #expect(fast.details.aud == slow.details.aud && fast.details.exp == slow.details.exp && fast.details.act == slow.details.act)
            #expect(PostureRecordView.parseTime(fast.time) == Date(timeIntervalSince1970: 1_800_000_000.25))
        }
    }

    @Test func escapesFallBackToTheFullDecoder() throws {
        let body = try Self.body(["source": .string("quote\"inside")])
        #expect(FastRecordParser.parse(body) == nil)
        #expect(try JSONDecoder().decode(PostureRecordView.self, from: Data(body.utf8)).details.source == "quote\"inside")
    }
}
