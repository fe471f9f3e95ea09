import Crypto
import Foundation
import Synchronization
import TesseraAudit
import TesseraCore
import TesseraStore
import TesseraTestSupport
import Testing

/// Servers appending to chains of their own in one PostgreSQL schema (DESIGN.md, "The audit log"): no record waits
/// for another chain, the sequencer gives every durable record one place in the log's order, checkpoints bind every
/// chain's head, and a database writer without the KEK cannot remove or move a chain unnoticed.
@Suite(.serialized, .needsPostgres) struct PostgresAuditChainsTests {
    static let keyring = AuditKeyring(rootKey: SymmetricKey(size: .bits256))

    /// Two chains written at once (`perChain` records each), then a checkpoint on `node-a` naming `node-b`'s head.
    private func twoChains(
        _ fixture: StorageFixture, perChain: Int = 150
    ) async throws -> (a: any TesseraStorage, b: any TesseraStorage) {
        let storageA = try await fixture.another(auditChain: "node-a")
        let storageB = try await fixture.another(auditChain: "node-b")
        let clock = ManualTimeSource(storeEpoch)
        let logA = try await AuditLog(
            store: storageA.audit, clock: clock, sealing: AuditSealing(keyring: Self.keyring, writer: "a-1"))
        let logB = try await AuditLog(
            store: storageB.audit, clock: clock, sealing: AuditSealing(keyring: Self.keyring, writer: "b-1"))
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (name, log) in [("a", logA), ("b", logB)] {
                for index in 0..<perChain {
                    group.addTask {
                        try await log.append(
                            AuditEvent(type: "test.chains", outcome: .success, actor: name, details: ["n": .int(Int64(index))]))
                    }
                }
            }
            try await group.waitForAll()
        }
        let checkpoint = try await logA.checkpoint()
        #expect(checkpoint.checkpoint.chain == "node-a")
        #expect(checkpoint.checkpoint.writers["node-b"] == AuditHead(seq: Int64(perChain), hash: logB.head!.hash))
        return (storageA, storageB)
    }

    /// A sealed log on `storage`'s chain, as a server with the KEK writes it.
    private static func sealedLog(_ storage: any TesseraStorage, writer: String) async throws -> AuditLog {
        try await AuditLog(
            store: storage.audit, clock: ManualTimeSource(storeEpoch), sealing: AuditSealing(keyring: keyring, writer: writer))
    }

    /// Expects verification to break (in `chain`, when given) for a reason containing `text`.
    private func expectBreak(
        _ report: AuditVerificationReport, chain: String? = nil, containing text: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let detail = Comment(rawValue: String(describing: report.firstBreak))
        if let chain { #expect(report.firstBreak?.chain == chain, detail, sourceLocation: sourceLocation) }
        #expect(report.firstBreak?.reason.contains(text) == true, detail, sourceLocation: sourceLocation)
    }

    private func verify(_ storage: any TesseraStorage) async throws -> AuditVerificationReport {
        try await AuditVerifier(store: storage.audit, keyring: Self.keyring).verify()
    }

    @Test func twoChainsAppendApartAndVerifyAsOneLog() async throws {
        try await withStorage(.postgresql) { fixture in
            let (a, b) = try await twoChains(fixture)
            let report = try await verify(b)
            #expect(report.isIntact, "\(String(describing: report.firstBreak))")
            #expect(report.recordsChecked == 301)
            #expect(report.heads.keys.sorted() == ["node-a", "node-b"])
            #expect(report.heads["node-a"]?.seq == 151)
            #expect(report.checkpointsInLog == 1)
            // Every append was counted, and waited on nobody's head row but its own chain's.
            #expect(a.auditChainWaits?.total.records == 151)
            #expect(b.auditChainWaits?.total.records == 150)
            // One order across chains: seq 1...301 with no gap, each chain in its own order within it.
            let log = try await a.audit.records(after: 0, limit: 1000)
            #expect(log.map(\.seq) == Array(1...301))
            for chain in ["node-a", "node-b"] {
                let places = log.filter { $0.chain == chain }.map(\.chainSeq)
                #expect(places == Array(1...Int64(places.count)), "chain \(chain) keeps its order in the log")
            }
        }
    }

    @Test func aRecordAppendedLaterIsSequencedAfterEveryEarlierOne() async throws {
        try await withStorage(.postgresql) { fixture in
            let (a, b) = try await twoChains(fixture, perChain: 5)
            let before = try await a.audit.records(after: 0, limit: 100)
            let late = try await Self.sealedLog(b, writer: "b-2")
            let record = try await late.append(AuditEvent(type: "test.late", outcome: .success))
            let after = try await a.audit.records(after: before.last!.seq, limit: 100)
            #expect(after.map(\.hash) == [record.hash])
            #expect(after.first?.seq == before.last!.seq + 1)
        }
    }

    @Test func aChainRemovedEntirelyIsFoundByAnotherChainsCheckpoint() async throws {
        try await withStorage(.postgresql) { fixture in
            let (a, _) = try await twoChains(fixture)
            let postgres = try #require(a as? PostgresStorage)
            try await postgres.unsafeExecute("DELETE FROM audit_records WHERE chain = 'node-b'")
            try await postgres.unsafeExecute("DELETE FROM audit_head WHERE chain = 'node-b'")
            let report = try await verify(a)
            expectBreak(report, chain: "node-b", containing: "is gone")
        }
    }

    @Test func aNamedChainsTailRemovedAndHeadMovedBackIsRefused() async throws {
        try await withStorage(.postgresql) { fixture in
            let (a, _) = try await twoChains(fixture)
            let postgres = try #require(a as? PostgresStorage)
            let kept = try #require(try await a.audit.records(chain: "node-b", after: 148, limit: 1).first)
            try await postgres.unsafeExecute("DELETE FROM audit_records WHERE chain = 'node-b' AND chain_seq > 149")
            try await postgres.unsafeExecute(
                "UPDATE audit_head SET seq = 149, hash = '\(kept.hash)', mac = '\(kept.mac ?? "")' WHERE chain = 'node-b'")
            let report = try await verify(a)
            // Chain a's checkpoint named b's head at 150: that proves the removal whatever the head row says.
            expectBreak(report, chain: "node-b", containing: "pins seq 150 but the chain ends at seq 149")
        }
    }

    @Test func aRecordMovedToAnotherChainIsRefused() async throws {
        try await withStorage(.postgresql) { fixture in
            let (a, _) = try await twoChains(fixture)
            let postgres = try #require(a as? PostgresStorage)
            // Chain b's last record moved to the end of chain a, with a's head moved onto it.
            let moved = try #require(try await a.audit.records(chain: "node-b", after: 149, limit: 1).first)
            try await postgres.unsafeExecute(
                "UPDATE audit_records SET chain = 'node-a', chain_seq = 152 WHERE chain = 'node-b' AND chain_seq = 150")
            try await postgres.unsafeExecute(
                "UPDATE audit_head SET seq = 152, hash = '\(moved.hash)' WHERE chain = 'node-a'")
            let report = try await verify(a)
            #expect(report.firstBreak?.chain == "node-a", "\(String(describing: report.firstBreak))")
            #expect(report.firstBreak?.seq == 152, "\(String(describing: report.firstBreak))")
        }
    }

    @Test func anUnkeyedChainPlantedBesideTheOthersIsRefusedEvenWithTheLegacyAllowance() async throws {
        try await withStorage(.postgresql) { fixture in
            let (a, _) = try await twoChains(fixture, perChain: 3)
            let postgres = try #require(a as? PostgresStorage)
            // The attacker writes a chain of their own with the public hash: no key, no MAC, a head without MAC.
            let forged = try AuditRecord.make(
                seq: 1, chain: "planted", prevHash: AuditRecord.genesisHash, time: storeEpoch,
                event: AuditEvent(type: "token.issued", outcome: .success, actor: "attacker"))
            try await postgres.unsafeExecute(
                "INSERT INTO audit_records (chain, chain_seq, seq, prev_hash, hash, body) VALUES ('planted', 1, 1000, "
                    + "'\(forged.prevHash)', '\(forged.hash)', '\(forged.body)')")
            try await postgres.unsafeExecute("INSERT INTO audit_head (chain, seq, hash) VALUES ('planted', 1, '\(forged.hash)')")
            let report = try await AuditVerifier(store: a.audit, keyring: Self.keyring, acceptUnkeyedPrefix: true).verify()
            expectBreak(report, chain: "planted", containing: "named chain")
        }
    }

    @Test func aRunningServerRefusesToChainAfterAHeadMovedBack() async throws {
        try await withStorage(.postgresql) { fixture in
            let storage = try await fixture.another(auditChain: "node-b")
            let postgres = try #require(storage as? PostgresStorage)
            let log = try await Self.sealedLog(storage, writer: "b-1")
            for index in 0..<5 { try await log.append(AuditEvent(type: "test.rollback", outcome: .success, actor: "\(index)")) }
            // The attacker keeps the genuine head row of seq 5 (MAC and all), lets the server go on, then deletes
            // the newer records and puts the old head back.
            let saved = try #require(try await storage.audit.chainHeads().first { $0.chain == "node-b" })
            #expect(saved.head.seq == 5)
            for index in 5..<10 { try await log.append(AuditEvent(type: "test.rollback", outcome: .success, actor: "\(index)")) }
            try await postgres.unsafeExecute("DELETE FROM audit_records WHERE chain = 'node-b' AND chain_seq > 5")
            try await postgres.unsafeExecute(
                "UPDATE audit_head SET seq = 5, hash = '\(saved.head.hash)', mac = '\(saved.mac ?? "")' WHERE chain = 'node-b'")
            await #expect(throws: AuditError.self) {
                try await log.append(AuditEvent(type: "test.rollback", outcome: .success, actor: "after"))
            }
            // Nothing was sealed after the rolled-back head: the chain still ends at 5, and a checkpoint elsewhere or
            // the server's next start would find the gap rather than a clean re-chained log.
            let tail = try await storage.audit.records(chain: "node-b", after: 0, limit: 100)
            #expect(tail.map(\.chainSeq) == Array(1...5))
        }
    }

    @Test func aHeadWithoutAValidMACIsStillNamedAndReportedSuspect() async throws {
        try await withStorage(.postgresql) { fixture in
            let (a, b) = try await twoChains(fixture, perChain: 3)
            let postgres = try #require(a as? PostgresStorage)
            let log = try await Self.sealedLog(a, writer: "a-2")
            // A database writer spoils b's head MAC so that other servers' checkpoints would leave b out, then
            // removes b's newest record and restores the genuine head MAC of the one before.
            let genuine = try #require(try await b.audit.chainHeads().first { $0.chain == "node-b" })
            try await postgres.unsafeExecute("UPDATE audit_head SET mac = 'ff' || mac WHERE chain = 'node-b'")
            let suspects = Mutex<[String]>([])
            let checkpoint = try await log.checkpoint { chain in suspects.withLock { $0.append(chain) } }
            #expect(checkpoint.checkpoint.writers["node-b"] == genuine.head, "named all the same")
            #expect(suspects.withLock { $0 } == ["node-b"])
            try await postgres.unsafeExecute("DELETE FROM audit_records WHERE chain = 'node-b' AND chain_seq = 3")
            try await postgres.unsafeExecute("UPDATE audit_head SET seq = 2 WHERE chain = 'node-b'")
            let report = try await verify(a)
            expectBreak(report, chain: "node-b", containing: "pins seq 3")
        }
    }

    @Test func theInMemoryHeadStatementPinsRecordsTheDatabaseLost() async throws {
        try await withStorage(.postgresql) { fixture in
            let storage = try await fixture.another(auditChain: "node-a")
            let postgres = try #require(storage as? PostgresStorage)
            let log = try await Self.sealedLog(storage, writer: "a-1")
            for index in 0..<4 { try await log.append(AuditEvent(type: "test.statement", outcome: .success, actor: "\(index)")) }
            let statement = try #require(try log.headStatement())
            #expect(statement.isSelfConsistent)
            #expect(statement.checkpoint.chain == "node-a" && statement.checkpoint.seq == 4)
            #expect(statement.checkpoint.hash == log.head?.hash)
            try await postgres.unsafeExecute("DELETE FROM audit_records WHERE chain = 'node-a' AND chain_seq > 2")
            let kept = try #require(try await storage.audit.records(chain: "node-a", after: 1, limit: 1).first)
            try await postgres.unsafeExecute("UPDATE audit_head SET seq = 2, hash = '\(kept.hash)' WHERE chain = 'node-a'")
            let report = try await AuditVerifier(store: storage.audit, keyring: Self.keyring, checkpoints: [statement]).verify()
            expectBreak(report, containing: "records 3...4 were removed")
        }
    }

    @Test func aTriggerThatSwallowsAuditRowsFailsTheAppend() async throws {
        try await withStorage(.postgresql) { fixture in
            let storage = try await fixture.another(auditChain: "node-a")
            let postgres = try #require(storage as? PostgresStorage)
            let log = try await Self.sealedLog(storage, writer: "a-1")
            try await log.append(AuditEvent(type: "test.swallow", outcome: .success))
            try await postgres.unsafeExecute(
                "CREATE FUNCTION swallow() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$")
            for table in ["audit_records", "audit_head"] {
                try await postgres.unsafeExecute(
                    "CREATE TRIGGER swallow_\(table) BEFORE INSERT OR UPDATE ON \(table) FOR EACH ROW EXECUTE FUNCTION swallow()")
                await #expect(throws: AuditError.self, "a swallowed write on \(table) is not durable") {
                    try await log.append(AuditEvent(type: "test.swallow", outcome: .success))
                }
                try await postgres.unsafeExecute("DROP TRIGGER swallow_\(table) ON \(table)")
            }
            #expect(log.head?.seq == 1, "the log did not move past what the database holds")
            try await log.append(AuditEvent(type: "test.swallow", outcome: .success))
            #expect(try await verify(storage).isIntact)
        }
    }

    @Test func aRowWithNoPlaceInAnyChainBreaksVerification() async throws {
        try await withStorage(.postgresql) { fixture in
            let (a, _) = try await twoChains(fixture, perChain: 3)
            let postgres = try #require(a as? PostgresStorage)
            try await postgres.unsafeExecute(
                "INSERT INTO audit_records (chain, prev_hash, hash, body) VALUES ('node-a', 'x', 'y', '{}')")
            let report = try await verify(a)
            expectBreak(report, containing: "no place in any chain")
        }
    }

    @Test func recordsWhoseLogOrderWasSwappedBreakVerification() async throws {
        try await withStorage(.postgresql) { fixture in
            let (a, _) = try await twoChains(fixture, perChain: 3)
            let postgres = try #require(a as? PostgresStorage)
            try await a.audit.sequence(wait: true)
            let chainA = try await a.audit.records(chain: "node-a", after: 0, limit: 10)
            let (first, second) = (chainA[0].seq, chainA[1].seq)
            #expect(first < second)
            try await postgres.unsafeExecute("UPDATE audit_records SET seq = -1 WHERE seq = \(first)")
            try await postgres.unsafeExecute("UPDATE audit_records SET seq = \(first) WHERE seq = \(second)")
            try await postgres.unsafeExecute("UPDATE audit_records SET seq = \(second) WHERE seq = -1")
            let report = try await verify(a)
            expectBreak(report, chain: "node-a", containing: "log's order")
        }
    }

    @Test func verifyingWhileAServerAppendsDoesNotReportMissingRecords() async throws {
        try await withStorage(.postgresql) { fixture in
            let (a, b) = try await twoChains(fixture, perChain: 20)
            let log = try await Self.sealedLog(b, writer: "b-2")
            let writer = Task {
                for index in 0..<300 {
                    try await log.append(AuditEvent(type: "test.live", outcome: .success, actor: "\(index)"))
                }
            }
            var reports: [AuditVerificationReport] = []
            while !writer.isCancelled, reports.count < 20 {
                reports.append(try await AuditVerifier(store: a.audit, keyring: Self.keyring, pageSize: 7).verify())
            }
            try await writer.value
            for report in reports { #expect(report.isIntact, "\(String(describing: report.firstBreak))") }
            let final = try await verify(a)
            #expect(final.isIntact && final.heads["node-b"]?.seq == 320)
        }
    }

    @Test func aChainNameThatCouldSpliceTheFormatIsRefused() async throws {
        for name in ["", "a\u{0}b", "a\"b", String(repeating: "x", count: 65), "ä"] {
            #expect(!AuditRecord.isValidChainName(name), "\(name.debugDescription)")
        }
        #expect(AuditRecord.isValidChainName("tessera-0.prod_eu"))
        #expect(AuditRecord.chainName(from: "host name/ä") == "host-name---")
    }
}
