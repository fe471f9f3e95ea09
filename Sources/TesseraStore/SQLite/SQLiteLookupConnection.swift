import Foundation
import GRDB

/// One read-only connection to the database file for `SQLExecutor.lookup`: indexed point reads on the request path, run
/// on the calling thread (no hand-off to a reader queue and back, which costs more than the read itself).
///
/// Its own connection, not one of the pool's readers: a caller blocked waiting for a pool reader holds a cooperative
/// thread, and the pool's async reads give their reader back only once they resume on a cooperative thread; with every
/// cooperative thread waiting, no reader ever came back (attacker review: two clients without credentials hung the
/// server). Here a caller waits only for another lookup, and a lookup waits for nothing but SQLite (a reader in WAL mode
/// waits for no writer; the busy timeout bounds the rest).
final class SQLiteLookupConnection: Sendable {
    private let queue: DatabaseQueue

    init(path: String) throws {
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(10)
        configuration.label = "tessera.lookup"
        queue = try DatabaseQueue(path: path, configuration: configuration)
    }

    /// Runs one statement (its own snapshot) on this connection, on the calling thread, with its prepared statement kept.
    func rows(_ sql: SQL) throws -> [any SQLRow] {
        try queue.unsafeRead { db in try SQLiteExecutor.run(sql, in: db, cached: true) }
    }
}
