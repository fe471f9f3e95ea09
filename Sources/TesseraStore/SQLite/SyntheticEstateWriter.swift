import Foundation
import GRDB
import TesseraCore

/// Bulk writes for benchmarks: inserts many identities per transaction. The inventory API writes one
/// identity per durable transaction, which is right for production and far too slow to seed a million.
public struct SyntheticEstateWriter: Sendable {
    let pool: DatabasePool

    /// Inserts `identities` in one transaction.
    public func insert(_ identities: [Identity]) async throws {
        try await pool.write { db in
            for identity in identities {
                _ = try SQLiteExecutor.run(SQLIdentityRepository.insert(identity), in: db, cached: true)
            }
        }
    }
}
