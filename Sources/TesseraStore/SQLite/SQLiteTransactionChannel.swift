import Dispatch
import GRDB
import Synchronization

/// One SQLite transaction whose body is asynchronous: GRDB runs a write transaction as a synchronous closure on
/// its writer, so the writer waits in `serve` for the statements the body sends (`run`) and runs them one by one
/// until the body ends it (`end`): commit, or roll back. Statements after the end fail.
final class SQLiteTransactionChannel: Sendable {
    private enum Request: Sendable {
        case statement(SQL, CheckedContinuation<[any SQLRow], any Error>)
        case end(commit: Bool)
    }

    private struct State: Sendable {
        var queue: [Request] = []
        var closed = false
    }

    private struct RollBack: Error {}

    private let state = Mutex(State())
    private let wake = DispatchSemaphore(value: 0)

    /// Sends `sql` to the writer and waits for its rows.
    func run(_ sql: SQL) async throws -> [any SQLRow] {
        try await withCheckedThrowingContinuation { continuation in
            let accepted = state.withLock { state in
                guard !state.closed else { return false }
                state.queue.append(.statement(sql, continuation))
                return true
            }
            if accepted {
                wake.signal()
            } else {
                continuation.resume(throwing: StoreError(.unavailable, "the SQLite transaction has ended"))
            }
        }
    }

    /// Ends the transaction: the writer commits, or rolls back.
    func end(commit: Bool) {
        state.withLock { $0.queue.append(.end(commit: commit)) }
        wake.signal()
    }

    /// Holds a write transaction open on `pool`'s writer and runs the statements sent until `end`; throws when the
    /// transaction rolled back or could not start.
    func serve(on pool: DatabasePool) async throws {
        do {
            try await pool.write { db in try self.serve(db) }
        } catch {
            close()
            throw error
        }
        close()
    }

    private func serve(_ db: Database) throws {
        while true {
            wake.wait()
            let next = state.withLock { $0.queue.isEmpty ? nil : $0.queue.removeFirst() }
            switch next {
            case nil:
                continue
            case .statement(let sql, let continuation):
                do {
                    continuation.resume(returning: try SQLiteExecutor.run(sql, in: db))
                } catch {
                    continuation.resume(throwing: SQLiteExecutor.storeError(error))
                }
            case .end(let commit):
                guard commit else { throw RollBack() }
                return
            }
        }
    }

    /// Refuses later statements and fails the ones still queued.
    private func close() {
        let pending = state.withLock { state in
            state.closed = true
            defer { state.queue.removeAll() }
            return state.queue
        }
        for case .statement(_, let continuation) in pending {
            continuation.resume(throwing: StoreError(.unavailable, "the SQLite transaction has ended"))
        }
    }
}
