import Foundation
import PostgresNIO
import Synchronization

/// Bounds every pooled PostgreSQL operation, so a database that goes away costs a caller seconds, not forever.
///
/// Why this is needed: postgres-nio (1.33) writes a query to its channel without a write promise, so a query sent
/// on a connection that has just closed (PostgreSQL stopped, the backend was terminated) is dropped and its
/// result never arrives (upstream #487, reverted in #501). A transaction's next statement, or the `ROLLBACK` after
/// a failed one, then waits forever with the connection leased; when that caller is the audit writer, every later
/// token waits behind it. The pool also queues lease requests for as long as PostgreSQL refuses connections.
///
/// So each operation runs in a task of its own while the caller waits on a continuation that the first of three
/// things resumes: the operation's result; the lease wait running out (`leaseWait`, or `leaseWaitWhenDown` while
/// the last lease failed, so an outage answers quickly); the operation running longer than `operationLimit` after
/// its lease (one shared `PostgresWatchdog` checks the limits, not a timer per operation). On a timeout the leased
/// connection is closed (which fails whatever reached it, and makes the pool drop it) and the caller gets
/// `StoreError(.unavailable)`; an operation that never completes is abandoned, never waited for. Successful leases
/// clear the "down" mark; the pool reconnects by itself (with its own backoff).
final class PostgresDeadline: Sendable {
    /// How long a caller waits for a pooled connection while PostgreSQL answers.
    let leaseWait: Duration
    /// How long a caller waits for a pooled connection while the last lease failed (PostgreSQL is likely down).
    let leaseWaitWhenDown: Duration
    /// How long an operation may run once it has its connection.
    let operationLimit: Duration
    private let down = Atomic<Bool>(false)

    init(
        leaseWait: Duration = .seconds(3), leaseWaitWhenDown: Duration = .milliseconds(500),
        operationLimit: Duration = .seconds(5)
    ) {
        self.leaseWait = leaseWait
        self.leaseWaitWhenDown = leaseWaitWhenDown
        self.operationLimit = operationLimit
    }

    /// Whether the last lease attempt ran out of time (PostgreSQL unreachable or the pool exhausted).
    var isDown: Bool { down.load(ordering: .relaxed) }

    /// Leases a connection from `client` and runs `body` on it, within the limits above.
    func run<Result: Sendable>(
        on client: PostgresClient, endpoint: PostgresEndpoint,
        _ body: @escaping @Sendable (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        let wait = isDown ? leaseWaitWhenDown : leaseWait
        let operation = Operation<Result>()
        let limit = operationLimit
        return try await Self.race(operation, within: wait) {
            try await client.withConnection { [self] connection in
                operation.leased(connection)
                self.down.store(false, ordering: .relaxed)
                return try await body(connection)
            }
        } expired: { [self] now in
            guard let leasedAt = operation.leasedAt else {
                self.down.store(true, ordering: .relaxed)
                operation.finish(
                    .failure(StoreError(.unavailable, "no connection to PostgreSQL at \(endpoint) within \(wait)")))
                return nil
            }
            // Leased since the lease deadline was set: the operation's own limit counts from its lease.
            if now < leasedAt.advanced(by: limit) { return leasedAt.advanced(by: limit) }
            if operation.finish(.failure(StoreError(.unavailable, "PostgreSQL at \(endpoint) did not answer within \(limit)"))) {
                let connection = operation.connection
                Task { try? await connection?.close() }
            }
            return nil
        }
    }

    /// Runs `body` (which must not need a pooled connection) for at most `limit`; on a timeout runs `onTimeout`
    /// (e.g. closes the connection `body` uses) and throws `StoreError(.unavailable)` without waiting for `body`.
    static func bounded<Result: Sendable>(
        _ limit: Duration, onTimeout: @escaping @Sendable () async -> Void,
        _ body: @escaping @Sendable () async throws -> Result
    ) async throws -> Result {
        let operation = Operation<Result>()
        return try await race(operation, within: limit, work: body) { _ in
            if operation.finish(.failure(StoreError(.unavailable, "PostgreSQL did not answer within \(limit)"))) {
                Task { await onTimeout() }
            }
            return nil
        }
    }

    /// Runs `work` in a task of its own while the caller waits for whichever finishes `operation` first: the work's
    /// outcome, the caller's cancellation, or `expired`, which the shared `PostgresWatchdog` calls once `limit` passed
    /// (it answers a later deadline to be called again, or `nil`). One watchdog serves every operation: a timer task
    /// per statement (task, dispatch timer, cancellation) cost a few percent of a loaded server's CPU.
    private static func race<Result: Sendable>(
        _ operation: Operation<Result>, within limit: Duration, work: @escaping @Sendable () async throws -> Result,
        expired: @escaping @Sendable (ContinuousClock.Instant) -> ContinuousClock.Instant?
    ) async throws -> Result {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                operation.start(continuation)
                let work = Task {
                    // The limit counts from when the work starts, not from the call: on a machine too busy to start
                    // tasks for seconds (a test suite's first moments on two cores) the work's clock is not spent
                    // before it ran. An outage delays the work's answer, not its start.
                    guard operation.arm(PostgresWatchdog.shared.watch(until: .now.advanced(by: limit), expired)) else {
                        return
                    }
                    do {
                        operation.finish(.success(try await work()))
                    } catch {
                        operation.finish(.failure(error))
                    }
                }
                operation.attach(work: work)
            }
        } onCancel: {
            operation.finish(.failure(CancellationError()))
        }
    }

    /// One operation's state: the waiting caller (resumed once), its connection, its tasks.
    private final class Operation<Result: Sendable>: Sendable {
        private struct State {
            var continuation: CheckedContinuation<Result, any Error>?
            var finished: Swift.Result<Result, any Error>?
            var connection: PostgresConnection?
            var leasedAt: ContinuousClock.Instant?
            var work: Task<Void, Never>?
            var timer: PostgresWatchdog.Watch?
        }

        private let state = Mutex(State())

        var leasedAt: ContinuousClock.Instant? { state.withLock { $0.leasedAt } }
        var connection: PostgresConnection? { state.withLock { $0.connection } }

        /// Installs the waiting caller; resumes it at once when the operation was cancelled before it started.
        func start(_ continuation: CheckedContinuation<Result, any Error>) {
            let finished = state.withLock { state -> Swift.Result<Result, any Error>? in
                if state.finished == nil { state.continuation = continuation }
                return state.finished
            }
            if let finished { continuation.resume(with: finished) }
        }

        func leased(_ connection: PostgresConnection) {
            state.withLock {
                $0.connection = connection
                $0.leasedAt = .now
            }
        }

        func attach(work: Task<Void, Never>) {
            let done = state.withLock { state -> Bool in
                state.work = work
                return state.finished != nil
            }
            // Finished (or cancelled) before the task was attached: nothing may keep running.
            if done, case .failure = state.withLock({ $0.finished }) { work.cancel() }
        }

        /// Keeps the watchdog's registration for this operation; `false` (and the registration dropped) when the
        /// operation was decided already (cancelled before its work started: the work must not run).
        func arm(_ timer: PostgresWatchdog.Watch) -> Bool {
            let armed = state.withLock { state -> Bool in
                guard state.finished == nil else { return false }
                state.timer = timer
                return true
            }
            if !armed { PostgresWatchdog.shared.forget(timer) }
            return armed
        }

        /// Decides the outcome unless it was decided already (returns whether this call decided it) and resumes the
        /// caller; a failure (timeout, cancellation) cancels the operation's task, the outcome stops the timer.
        @discardableResult
        func finish(_ result: Swift.Result<Result, any Error>) -> Bool {
            // The state as it was when this call decided: the caller to resume, the tasks to stop.
            let decided = state.withLock { state -> State? in
                guard state.finished == nil else { return nil }
                let decided = state
                state.finished = result
                state.continuation = nil
                return decided
            }
            guard let decided else { return false }
            if let timer = decided.timer { PostgresWatchdog.shared.forget(timer) }
            if case .failure = result { decided.work?.cancel() }
            decided.continuation?.resume(with: result)
            return true
        }
    }
}

/// A non-escaping closure lent to an operation that `PostgresDeadline` may abandon: the operation calls it through
/// `call` while it is lent; `revoke()` (before the lender returns, e.g. at the end of `withoutActuallyEscaping`)
/// takes it back, waiting for a call in progress, so an abandoned operation never keeps it.
final class PostgresLentClosure<Input: Sendable, Output: Sendable>: Sendable {
    private let closure: Mutex<(@Sendable (Input) throws -> Output)?>

    init(_ closure: @escaping @Sendable (Input) throws -> Output) {
        self.closure = Mutex(closure)
    }

    /// Runs the closure; throws `StoreError(.unavailable)` once it was taken back.
    @Sendable func call(_ input: Input) throws -> Output {
        let outcome: Result<Output, any Error> = closure.withLock { closure in
            guard let closure else { return .failure(StoreError(.unavailable, "the PostgreSQL operation was abandoned")) }
            return Result { try closure(input) }
        }
        return try outcome.get()
    }

    func revoke() {
        closure.withLock { $0 = nil }
    }
}
