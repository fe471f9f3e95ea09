import Foundation
import Synchronization
import TesseraCrypto
import TesseraServer
import TesseraStore
import TesseraTestSupport
import Testing

@testable import TesseraAudit

/// Someone with write access to the SQLite file (not the KEK) deletes the tail and moves the head,
/// deletes a middle record and re-chains with the plain hash, or edits a record and recomputes the hashes. Real
/// servers write the log (two lifetimes, a signed checkpoint to a file at each clean shutdown); the attacker edits the
/// file with SQL; `audit verify` (the CLI's code path: keys from the KEK, checkpoints parsed from the file) refuses.
@Suite(.serialized, .stopsServers) struct AuditTamperAttackTests {
    struct Run {
        let dataDirectory: String
        let kek: KeyEncryptionKey
        let checkpoints: [SignedAuditCheckpoint]
        var keyring: AuditKeyring { AuditKeyring(rootKey: kek.derivedKey(purpose: AuditKeyring.kekPurpose)) }
        var database: SQLiteStorage { get throws { try SQLiteStorage(directory: dataDirectory) } }

        func verify(withKEK: Bool = true, checkpoints use: Bool = false) async throws -> AuditVerificationReport {
            try await AuditVerifier(
                store: database.audit, keyring: withKEK ? keyring : nil, checkpoints: use ? checkpoints : [],
                checkpointKey: withKEK ? nil : keyring.checkpointKey
            ).verify()
        }
    }

    /// Two server lifetimes on one data folder, three tokens each; each clean stop appends a checkpoint to the file.
    /// `during` runs against the second server while it serves (with the admin token the first one made).
    static func serve(during: (TestServer, String, Run) async throws -> Void = { _, _, _ in }) async throws -> Run {
        let directory = NSTemporaryDirectory() + "tessera-audit-attack-" + UUID().uuidString
        let file = directory + "-checkpoints.jsonl"
        let kek = TestServer.freshKEK()
        var workload: Workload?
        var adminToken = ""
        for round in 0..<2 {
            let server = try await TestServer.start(dataDirectory: directory, kek: kek) {
                $0.auditCheckpoints.file = file
                $0.auditCheckpoints.interval = 3600
            }
            do {
                if round == 0 {
                    adminToken = server.adminToken
                    workload = try await server.registerWorkload("audited")
                }
                for _ in 0..<3 {
                    let reply = try await server.requestToken(workload!)
                    #expect(reply.status == 200, "\(String(decoding: reply.body, as: UTF8.self))")
                }
                if round == 1 {
                    let text = (try? String(contentsOfFile: file, encoding: .utf8)) ?? ""
                    try await during(
                        server, adminToken,
                        Run(dataDirectory: directory, kek: kek, checkpoints: SignedAuditCheckpoint.parseAll(text)))
                }
            } catch {
                await server.stop()
                throw error
            }
            await server.stop()
        }
        let text = try String(contentsOfFile: file, encoding: .utf8)
        return Run(dataDirectory: directory, kek: kek, checkpoints: SignedAuditCheckpoint.parseAll(text))
    }

    @Test func anUntouchedLogVerifiesWithKeysAndCheckpoints() async throws {
        let run = try await Self.serve { server, adminToken, run in
            // Over HTTP: the admin route checks the MACs; the checkpoint key is public and matches the KEK's.
            let report = try await server.admin("GET", "/v1/audit/verify", token: adminToken)
            #expect(report.status == 200)
            #expect(report.json["intact"] as? Bool == true, "\(report.json)")
            #expect((report.json["keyed_records"] as? Int ?? 0) > 0)
            #expect(report.json["checkpoints"] as? Int == 1)
            let key = try await server.send("GET", "/v1/audit/checkpoint-key")
            #expect(key.status == 200)
            #expect(key.json["fingerprint"] as? String == run.keyring.checkpointKey.fingerprint)
            #expect(key.json["public_key"] as? String == run.keyring.checkpointKey.publicKey)
        }
        #expect(run.checkpoints.count == 2)
        let report = try await run.verify(checkpoints: true)
        #expect(report.isIntact, "\(String(describing: report.firstBreak))")
        #expect(report.macsChecked)
        #expect(report.legacyRecords == 0)
        #expect(report.keyedRecords == report.recordsChecked)
        #expect(report.checkpointsInLog == 2)
        #expect(report.externalCheckpoints == 2)
        #expect(report.externalCheckpointSeq == run.checkpoints.last?.checkpoint.seq)
        // Every record names the server instance that wrote it: two lifetimes, two writers.
        let writers = Set(try await run.database.audit.records(after: 0, limit: 1000).compactMap { try $0.content().writer })
        #expect(writers.count == 2)
    }

    /// (a) The tail deleted below the first checkpoint and the head moved back: refused with and without the file.
    @Test func deletingTheTailAndMovingTheHeadIsRefused() async throws {
        let run = try await Self.serve()
        let pinned = try #require(run.checkpoints.first?.checkpoint.seq)
        let keep = pinned - 2
        try await AuditAttacker(sqlite: try run.database).deleteTail(after: keep)
        let withoutFile = try await run.verify()
        #expect(withoutFile.firstBreak?.seq == keep)
        #expect(withoutFile.firstBreak?.reason.contains("recorded head") == true, "\(String(describing: withoutFile.firstBreak))")
        let withFile = try await run.verify(checkpoints: true)
        #expect(withFile.firstBreak?.seq == keep + 1)
        #expect(
            withFile.firstBreak?.reason.contains("records \(keep + 1)...") == true, "\(String(describing: withFile.firstBreak))")
        // An auditor without the KEK, with the file and the published key, sees it too.
        #expect(try await !run.verify(withKEK: false, checkpoints: true).isIntact)
    }

    /// (a') Only records after the last checkpoint deleted: beyond what the file proves, but the head MAC is gone.
    @Test func deletingOnlyAfterTheLastCheckpointIsCaughtByTheHeadMAC() async throws {
        let run = try await Self.serve()
        let last = try #require(run.checkpoints.last?.checkpoint.seq)
        // The last checkpoint record itself (at last + 1) is the newest record; drop it.
        try await AuditAttacker(sqlite: try run.database).deleteTail(after: last)
        #expect(try await run.verify(withKEK: false, checkpoints: true).isIntact)
        let report = try await run.verify(checkpoints: true)
        #expect(report.firstBreak?.reason.contains("recorded head") == true, "\(String(describing: report.firstBreak))")
    }

    /// (b) A middle record deleted and every later record re-chained with the plain hash, keeping the keys' names
    /// (the old MACs no longer match) or stripping them to look legacy.
    @Test(arguments: [false, true]) func deletingAMiddleRecordAndRechainingIsRefused(stripKeys: Bool) async throws {
        let run = try await Self.serve()
        try await AuditAttacker(sqlite: try run.database).deleteAndRechain(3, stripKeys: stripKeys)
        let report = try await run.verify()
        #expect(report.firstBreak?.seq == 3, "\(String(describing: report.firstBreak))")
        let expected = stripKeys ? "no key or MAC" : "MAC does not match"
        #expect(report.firstBreak?.reason.contains(expected) == true, "\(String(describing: report.firstBreak))")
        #expect(try await run.verify(checkpoints: true).firstBreak?.seq == 3)
        // Without the KEK the outside checkpoint still names the first record it pins as rewritten.
        let offline = try await run.verify(withKEK: false, checkpoints: true)
        #expect(!offline.isIntact)
    }

    /// (d) Attacker finding: every record stripped of key and MAC, records dropped, the whole chain re-chained from
    /// seq 1 with the public hash and the head MAC cleared, so it looks like a database from before keyed audit. With
    /// the KEK that is refused; the server refuses to continue such a chain; only an operator who knows the database
    /// predates keyed audit accepts it, explicitly.
    @Test func strippingEveryKeyToLookLegacyIsRefused() async throws {
        let run = try await Self.serve()
        try await AuditAttacker(sqlite: try run.database).rechain(from: 1, stripKeys: true) { content in
            content.type == "token.issued" || content.type == AuditLog.checkpointType ? nil : content
        }
        let report = try await run.verify()
        #expect(report.firstBreak?.seq == 1, "\(String(describing: report.firstBreak))")
        #expect(report.firstBreak?.reason.contains("no key or MAC") == true)
        #expect(try await !run.verify(checkpoints: true).isIntact)
        // The server does not extend (and sign checkpoints over) the forged chain.
        await #expect(throws: ServerError.self) {
            let server = try await TestServer.start(dataDirectory: run.dataDirectory, kek: run.kek)
            await server.stop()
        }
        // Told explicitly that the database predates keyed audit, the verifier accepts the unkeyed chain: the outside
        // checkpoints are then what catches the rewrite.
        let accepted = try await AuditVerifier(
            store: run.database.audit, keyring: run.keyring, checkpoints: run.checkpoints, acceptUnkeyedPrefix: true
        ).verify()
        #expect(!accepted.isIntact, "the outside checkpoints pin records that were rewritten")
    }

    /// (e) Attacker finding: the newest records deleted and the head moved back with any MAC (here the record's own);
    /// the server used to start and seal the moved head at its next append, after which verify said intact. It refuses
    /// to continue such a chain, also when the head MAC is garbage or the head row points past the last record.
    @Test func aServerDoesNotSealAHeadMovedBack() async throws {
        let run = try await Self.serve()
        let head = try #require(try await run.database.audit.recordedHead())
        try await AuditAttacker(sqlite: try run.database).deleteTail(after: head.seq - 3)
        await #expect(throws: ServerError.self) {
            let server = try await TestServer.start(dataDirectory: run.dataDirectory, kek: run.kek)
            await server.stop()
        }
        try run.database.unsafeExecute("UPDATE audit_head SET mac = '00'")
        await #expect(throws: ServerError.self) {
            let server = try await TestServer.start(dataDirectory: run.dataDirectory, kek: run.kek)
            await server.stop()
        }
        // The chain still fails verification: nothing sealed it.
        #expect(try await !run.verify().isIntact)
    }

    /// (f) Attacker finding: the database writer saves the genuine head row (MAC and all) while the server runs, lets it
    /// go on, then deletes the newer records and puts the saved row back. The chain then looks sound to a server
    /// that knows only the database; the head this server remembers in its data folder (`AuditHeadWitness`) is past
    /// it, so the next start is refused and nothing is sealed over the gap.
    @Test func anOldHeadPutBackWithItsGenuineMACIsRefusedByTheRememberedHead() async throws {
        let saved = Mutex<(AuditHead, String)?>(nil)
        let run = try await Self.serve { _, _, run in
            let database = try run.database
            let head = try #require(try await database.audit.recordedHead())
            let mac = try #require(try await database.audit.recordedHeadMAC())
            saved.withLock { $0 = (head, mac) }
        }
        let (head, mac) = try #require(saved.withLock { $0 })
        #expect(try await run.database.audit.recordedHead().map { $0.seq > head.seq } == true, "the server went on")
        try await AuditAttacker(sqlite: try run.database).deleteTail(after: head.seq)
        try run.database.unsafeExecute("UPDATE audit_head SET mac = '\(mac)'")
        let error = await #expect(throws: ServerError.self) {
            let server = try await TestServer.start(dataDirectory: run.dataDirectory, kek: run.kek)
            await server.stop()
        }
        #expect(error?.reason.contains("before seq") == true, "\(String(describing: error))")
        #expect(error?.reason.contains("audit-head") == true, "names the file to move away after a deliberate restore")
        // Moved away (a deliberate restore from backup), the server starts again.
        try FileManager.default.removeItem(atPath: run.dataDirectory + "/audit-head")
        let server = try await TestServer.start(dataDirectory: run.dataDirectory, kek: run.kek)
        await server.stop()
    }

    /// (c) A token.issued record's details edited and the hashes recomputed.
    @Test func editingARecordAndRecomputingHashesIsRefused() async throws {
        let run = try await Self.serve()
        let issued = try await run.database.audit.records(after: 0, limit: 1000).first {
            try $0.content().type == "token.issued"
        }
        let seq = try #require(issued?.seq)
        try await AuditAttacker(sqlite: try run.database).editAndRechain(seq, details: ["scope": .string("nothing")])
        let report = try await run.verify()
        #expect(report.firstBreak?.seq == seq)
        #expect(report.firstBreak?.reason.contains("MAC does not match") == true, "\(String(describing: report.firstBreak))")
        #expect(try await !run.verify(withKEK: false, checkpoints: true).isIntact)
    }
}

/// The HTTP checkpoint sink receives each checkpoint, and only the configured URL does (a redirect is not followed).
@Suite(.serialized, .stopsServers) struct AuditCheckpointSinkTests {
    @Test func checkpointsArePostedToTheConfiguredURLOnlyAndVerify() async throws {
        let elsewhere = try CheckpointSink()
        let redirecting = try CheckpointSink(status: 307, location: elsewhere.url)
        let sink = try CheckpointSink()
        defer {
            sink.stop()
            redirecting.stop()
            elsewhere.stop()
        }
        let kek = TestServer.freshKEK()
        for url in [sink.url, redirecting.url] {
            let server = try await TestServer.start(kek: kek) {
                $0.auditCheckpoints.url = url
                $0.auditCheckpoints.interval = 3600
            }
            await server.stop()
        }
        let received = sink.received.flatMap { SignedAuditCheckpoint.parseAll($0) }
        #expect(received.count == 1)
        let keyring = AuditKeyring(rootKey: kek.derivedKey(purpose: AuditKeyring.kekPurpose))
        #expect(received.first?.isSelfConsistent == true)
        #expect(received.first?.key == keyring.checkpointKey)
        #expect(redirecting.received.count == 1)
        #expect(elsewhere.received.isEmpty, "the redirect was followed")
    }
}
