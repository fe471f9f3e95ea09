import Foundation
import Logging
import Synchronization
import TesseraAudit
import TesseraCore
import TesseraSecrets
import TesseraStore
import TesseraTestSupport
import Testing

/// Two "servers" (two audit logs, two connections) appending to one PostgreSQL audit chain at once: the chain
/// stays one verifiable sequence. Runs against the PostgreSQL that scripts/test starts.
@Suite(.serialized, .needsPostgres) struct PostgresAuditRecordStoreTests {
    /// A server's storage on the test cluster's `tessera` database (its default schema), migrated.
    private func store() async throws -> PostgresStorage {
        try await PostgresStorage.connect(try StorageEngine.testEndpoint(schema: nil))
    }

    @Test func aCallCountBesideARecordIsRefusedRatherThanDropped() async throws {
        let storage = try await store()
        do {
            let log = try await AuditLog(store: storage.audit, clock: ManualTimeSource(Date()))
            await #expect(throws: AuditError.self) {
                try await log.append(
                    AuditEvent(
                        type: "tool.call.allowed", outcome: .success,
                        callCount: ToolCallCount(taskID: "t-pg", calls: 1, at: Date())))
            }
            #expect(try await storage.toolCatalogues.calls(taskID: "t-pg") == 0)
        } catch {
            await storage.close()
            throw error
        }
        await storage.close()
    }

    @Test func twoWritersKeepOneVerifiableChain() async throws {
        let nodeA = try await store()
        let nodeB = try await store()
        do {
            try await twoWriters(nodeA, nodeB)
        } catch {
            await nodeA.close()
            await nodeB.close()
            throw error
        }
    }

    private func twoWriters(_ storageA: PostgresStorage, _ storageB: PostgresStorage) async throws {
        let nodeA = storageA.audit
        let nodeB = storageB.audit
        let before = try await nodeA.recordedHead()?.seq ?? 0
        let clock = ManualTimeSource(Date())
        let logA = try await AuditLog(store: nodeA, clock: clock)
        let logB = try await AuditLog(store: nodeB, clock: clock)
        let perNode = 300
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (name, log) in [("a", logA), ("b", logB)] {
                for index in 0..<perNode {
                    group.addTask {
                        try await log.append(
                            AuditEvent(
                                type: "test.concurrent", outcome: .success, actor: "node-\(name)",
                                details: ["n": .int(Int64(index))],
                                lease: Lease(
                                    id: "lease-\(name)-\(index)-\(UUID().uuidString)", kind: "access_token",
                                    subject: "spiffe://example.org/x", taskID: nil, issuedAt: clock.now(),
                                    expiresAt: clock.now().addingTimeInterval(60))))
                    }
                }
            }
            try await group.waitForAll()
        }
        let head = try #require(try await nodeB.recordedHead())
        #expect(head.seq == before + Int64(2 * perNode), "every append of both nodes is in the chain, none twice")
        // The whole chain verifies, whichever node reads it.
        let report = try await AuditVerifier(store: nodeB).verify()
        #expect(report.isIntact, "\(String(describing: report.firstBreak))")
        #expect(report.head == head)
        let mine = try await nodeA.records(chain: nodeA.chain, after: before, limit: 2 * perNode)
        #expect(mine.map(\.chainSeq) == Array((before + 1)...(before + Int64(2 * perNode))))
        let actors = mine.compactMap { try? $0.content().actor }
        #expect(actors.filter { $0 == "node-a" }.count == perNode)
        #expect(actors.filter { $0 == "node-b" }.count == perNode)
        await storageA.close()
        await storageB.close()
    }

    @Test func aStaleWriterIsToldTheActualHeadAndWritesNothing() async throws {
        let storage = try await store()
        do {
            try await stale(storage.audit)
        } catch {
            await storage.close()
            throw error
        }
        await storage.close()
    }

    private func stale(_ store: any AuditRecordStore) async throws {
        let current = try await store.recordedHead()
        let stale = AuditHead(seq: (current?.seq ?? 0) + 1000, hash: String(repeating: "0", count: 64))
        let record = try AuditRecord.make(
            seq: stale.seq + 1, chain: store.chain, prevHash: stale.hash, time: Date(),
            event: AuditEvent(type: "test.stale", outcome: .success))
        #expect(try await store.append([record], after: stale) == .headMoved(current))
        #expect(try await store.recordedHead() == current, "nothing was written")
    }

    @Test func aBatchChainedAfterAStaleHeadIsChainedAgainAfterTheActualHead() async throws {
        let storage = try await store()
        let store = storage.audit
        do {
            let current = try await store.recordedHead()
            let stale = AuditHead(seq: (current?.seq ?? 0) + 1000, hash: String(repeating: "0", count: 64))
            let heads = Mutex<[AuditHead?]>([])
            let written = try await store.append(after: stale) { head in
                heads.withLock { $0.append(head) }
                let seq = (head?.seq ?? 0) + 1
                return [
                    try AuditRecord.make(
                        seq: seq, chain: store.chain, prevHash: head?.hash ?? AuditRecord.genesisHash, time: Date(),
                        event: AuditEvent(type: "test.rechained", outcome: .success))
                ]
            }
            #expect(
                heads.withLock { $0 } == [stale, current],
                "chained once for the caller's head, once after the head the store reported")
            #expect(written.first?.chainSeq == (current?.seq ?? 0) + 1)
            #expect(try await store.recordedHead() == written.last.map { AuditHead(seq: $0.seq, hash: $0.hash) })
            #expect(try await AuditVerifier(store: store).verify().isIntact)
            await storage.close()
        } catch {
            await storage.close()
            throw error
        }
    }
}
