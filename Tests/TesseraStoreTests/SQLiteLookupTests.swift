import Foundation
import TesseraCore
import Testing

@testable import TesseraStore

/// `lookup` reads on the calling thread, on a connection of its own: it must never wait for a pool reader, or
/// cooperative threads blocked in lookups and async reads waiting to resume (to give their reader back) wait on each
/// other forever (attacker review: the server hung for good).
@Suite struct SQLiteLookupTests {
    @Test func lookupsAndSlowReadsTogetherNeverDeadlock() async throws {
        let storage = try SQLiteStorage(directory: NSTemporaryDirectory() + "tessera-lookup-" + UUID().uuidString)
        let sql = storage.sql
        // A deadlock stops every cooperative thread, this test's included: only a thread of its own can report it.
        let finished = DispatchSemaphore(value: 0)
        let watchdog = Thread {
            if finished.wait(timeout: .now() + 60) == .timedOut {
                FileHandle.standardError.write(Data("SQLiteLookupTests: lookups and reads deadlocked\n".utf8))
                abort()
            }
        }
        watchdog.start()
        let slow: SQL = """
            WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 200000) SELECT count(*) AS n FROM c
            """
        let counted = try await withThrowingTaskGroup(of: Int.self) { group in
            // Far more slow reads than the pool has readers, and more lookups than there are cooperative threads.
            for _ in 0..<12 {
                group.addTask {
                    for _ in 0..<4 {
                        let n = try await sql.rows(slow).first?.int("n")
                        #expect(n == 200000)
                    }
                    return 0
                }
            }
            for index in 0..<12 {
                group.addTask {
                    var done = 0
                    for _ in 0..<200 {
                        _ = try await sql.lookup("SELECT * FROM identities WHERE spiffe_id = \("spiffe://example.org/\(index)")")
                        done += 1
                    }
                    return done
                }
            }
            return try await group.reduce(0, +)
        }
        finished.signal()
        #expect(counted == 12 * 200)
    }

    @Test func aLookupSeesWhatWasJustCommitted() async throws {
        let storage = try SQLiteStorage(directory: NSTemporaryDirectory() + "tessera-lookup-" + UUID().uuidString)
        let sql = storage.sql
        for round in 0..<50 {
            try await sql.execute(
                "INSERT INTO revoked_tokens (jti, expires_at, revoked_at, reason) VALUES (\("j\(round)"), \(Date()), \(Date()), \("t"))"
            )
            let revoked = try await storage.tokenState.isRevoked(jti: "j\(round)")
            #expect(revoked, "the revocation is read back at once")
        }
        let never = try await storage.tokenState.isRevoked(jti: "never")
        #expect(never == false)
    }
}
