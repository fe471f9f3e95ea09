import Foundation
import TesseraAudit
import Testing

@testable import TesseraPosture

@Suite struct RawRecordParserTests {
    static func body(
        _ details: [String: AuditValue], subject: String? = "spiffe://corp.invalid/a", type: String = "token.issued",
        task: String? = nil
    )
        throws -> String
    {
        let event = AuditEvent(
            type: type, outcome: .success, actor: subject, subject: subject, reason: nil, task: task, details: details)
        return try AuditRecord.make(
            seq: 42, prevHash: AuditRecord.genesisHash, time: Date(timeIntervalSince1970: 1_800_000_000.25), event: event
        ).body
    }

    /// The strings a parsed record names, read back from its spans.
    struct Fields: Equatable {
        var seq: Int64, time: Double, kind: RecordKind, subject: String?, task: String?, source: String?, aud: String?
        var jti: String?, exception: String?, outOfScope: String?, exp: Int64?, expires: Int64?
        var scopes: [String], act: [String], chain: [String]

        init(_ record: RawRecord, _ base: UnsafeRawBufferPointer) {
            func text(_ span: Span) -> String? {
                span.isPresent ? String(decoding: base[Int(span.start)..<Int(span.start + span.count)], as: UTF8.self) : nil
            }
            seq = record.seq
            time = record.time
            kind = record.kind
            subject = text(record.subject)
            task = text(record.task)
            source = text(record.source)
            aud = text(record.aud)
            jti = text(record.subjectTokenJTI)
            exception = text(record.exception)
            outOfScope = text(record.exceptionOutOfScope)
            exp = record.exp
            expires = record.exceptionExpires
            scopes = record.scopes.compactMap(text)
            act = record.act.compactMap(text)
            chain = record.actChain.compactMap(text)
        }
    }

    static func fast(_ body: String) -> Fields? {
        var record = RawRecord()
        var bytes = Array(body.utf8)
        return bytes.withUnsafeMutableBytes { buffer in
            RawRecordParser.parse(UnsafeRawBufferPointer(buffer), into: &record)
                ? Fields(record, UnsafeRawBufferPointer(buffer)) : nil
        }
    }

    static func slow(_ body: String) throws -> Fields? {
        let view = try JSONDecoder().decode(PostureRecordView.self, from: Data(body.utf8))
        var record = RawRecord()
        var scratch: [UInt8] = []
        guard view.fill(&record, scratch: &scratch) else { return nil }
        return scratch.withUnsafeBytes { Fields(record, $0) }
    }

    @Test func agreesWithJSONDecoder() throws {
        let bodies = [
            try Self.body(
                [
                    "scope": .strings(["a:b", "c"]), "source": .string("10.0.0.1"), "aud": .string("https://x.invalid/p"),
                    "exp": .int(1_800_000_300), "act": .strings(["spiffe://corp.invalid/u"]), "flag": .bool(true), "n": .int(-3),
                    "act_chain": .strings(["spiffe://corp.invalid/u", "spiffe://corp.invalid/v"]),
                    "subject_token_jti": .string("j1"),
                ], task: "task_1"),
            try Self.body([:], subject: nil),
            try Self.body(["scope": .strings([]), "source": .string("2001:db8::1")], type: "token.refused"),
            try Self.body(["exception": .string("exc_1"), "exception_expires": .int(1_799_999_999)], type: "exception.used"),
            try Self.body(["exception_out_of_scope": .string("exc_2"), "other": .strings(["x"])], type: "token.refused"),
        ]
        for body in bodies {
            let fast = try #require(Self.fast(body))
            #expect(fast == (try Self.slow(body)))
            #expect(fast.time == 1_800_000_000.25 && fast.seq == 42)
        }
        let first = try #require(Self.fast(bodies[0]))
        #expect(first.kind == .issued && first.task == "task_1" && first.chain.count == 2 && first.jti == "j1")
        #expect(Self.fast(bodies[3])?.kind == .exceptionUsed && Self.fast(bodies[3])?.expires == 1_799_999_999)
        #expect(Self.fast(bodies[4])?.outOfScope == "exc_2")
    }

    @Test func escapesFallBackToTheFullDecoder() throws {
        let body = try Self.body(["source": .string("quote\"inside")])
        #expect(Self.fast(body) == nil)
        #expect(try Self.slow(body)?.source == "quote\"inside")
    }

    @Test func truncatedOrMalformedBodiesAreDeclined() throws {
        let body = try Self.body(["scope": .strings(["a"])])
        for cut in [1, 10, body.utf8.count / 2, body.utf8.count - 1] {
            #expect(Self.fast(String(body.utf8.prefix(cut))!) == nil)
        }
        #expect(Self.fast("") == nil)
        #expect(Self.fast("{\"seq\":1e5}") == nil)
    }
}
