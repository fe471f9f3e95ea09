import Foundation
import Synchronization
import TesseraCore

/// The append-only, hash-chained audit log with group commit.
///
/// Concurrent `append` calls are queued; one writer drains the queue in batches, each written in a single
/// durable transaction, and every caller resumes only after its batch is on disk. A failed batch fails all
/// its callers and leaves the chain head where it was.
public final class AuditLog: Sendable {
    private struct Pending {
        let event: AuditEvent
        let time: Date
        let continuation: CheckedContinuation<AuditRecord, any Error>
    }

    private struct State {
        var queue: [Pending] = []
        var writing = false
        var head: AuditHead?
    }

    /// Largest batch written in one transaction.
    public static let maximumBatch = 1024

    private let store: any AuditRecordStore
    private let clock: any TimeSource
    private let state: Mutex<State>
    private let batchObserver: (@Sendable (Int) -> Void)?
    /// Told about every durable batch: the event types in it and how long the durable write took.
    private let writeObserver: Mutex<(@Sendable ([String], Duration) -> Void)?> = Mutex(nil)

    /// Opens the log on `store`, continuing the chain from its recorded head.
    public init(store: any AuditRecordStore, clock: any TimeSource, onBatch: (@Sendable (Int) -> Void)? = nil)
        async throws
    {
        self.store = store
        self.clock = clock
        self.batchObserver = onBatch
        let head = try await store.recordedHead()
        self.state = Mutex(State(head: head))
    }

    /// Appends `event` and returns its record once it is durable.
    @discardableResult
    public func append(_ event: AuditEvent) async throws -> AuditRecord {
        try await withCheckedThrowingContinuation { continuation in
            let startWriter = state.withLock { state -> Bool in
                state.queue.append(Pending(event: event, time: clock.now(), continuation: continuation))
                if state.writing { return false }
                state.writing = true
                return true
            }
            if startWriter {
                Task { await self.drain() }
            }
        }
    }

    /// Observes every durable batch (e.g. for metrics): its event types and the time its write took.
    public func observeWrites(_ observer: @escaping @Sendable ([String], Duration) -> Void) {
        writeObserver.withLock { $0 = observer }
    }

    /// The current head of the chain, as written.
    public var head: AuditHead? { state.withLock { $0.head } }

    private func drain() async {
        while true {
            let next = state.withLock { state -> ([Pending], AuditHead?)? in
                if state.queue.isEmpty {
                    state.writing = false
                    return nil
                }
                let take = min(state.queue.count, Self.maximumBatch)
                let batch = Array(state.queue.prefix(take))
                state.queue.removeFirst(take)
                return (batch, state.head)
            }
            guard let (batch, head) = next else { return }
            await write(batch, after: head)
        }
    }

    private func write(_ batch: [Pending], after head: AuditHead?) async {
        let records: [AuditRecord]
        let started = ContinuousClock.now
        let entries = batch.map { ($0.time, $0.event) }
        do {
            // Chained after whatever head the store has when it writes (other servers may share it).
            records = try await store.append(after: head) { head in
                var seq = head?.seq ?? 0
                var prev = head?.hash ?? AuditRecord.genesisHash
                var made: [AuditRecord] = []
                made.reserveCapacity(entries.count)
                for (time, event) in entries {
                    seq += 1
                    let record = try AuditRecord.make(seq: seq, prevHash: prev, time: time, event: event)
                    made.append(record)
                    prev = record.hash
                }
                return made
            }
        } catch {
            let failure = AuditError(.appendFailed, "audit record could not be made durable")
            for pending in batch { pending.continuation.resume(throwing: failure) }
            return
        }
        if let last = records.last { state.withLock { $0.head = AuditHead(seq: last.seq, hash: last.hash) } }
        batchObserver?(batch.count)
        if let observer = writeObserver.withLock({ $0 }) {
            observer(batch.map(\.event.type), ContinuousClock.now - started)
        }
        for (pending, record) in zip(batch, records) { pending.continuation.resume(returning: record) }
    }
}
