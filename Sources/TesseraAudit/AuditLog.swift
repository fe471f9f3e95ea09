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
        /// A checkpoint: its statement is made when the batch is chained, over the head it follows, naming these
        /// heads of every chain (read just before).
        let checkpointHeads: [String: AuditHead]?
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
    /// Where batches are built and committed when the store appends on the calling thread (SQLite): one serial queue,
    /// off the cooperative pool, so a batch leaves the queue and becomes durable without an executor hop.
    private let writerQueue: (queue: DispatchQueue, store: any BlockingAuditRecordStore)?
    /// The keys and writer id records are sealed with; nil writes legacy, unkeyed records (tests and tools).
    public let sealing: AuditSealing?
    private let clock: any TimeSource
    private let state: Mutex<State>
    private let batchObserver: (@Sendable (Int) -> Void)?
    /// Told about every durable batch: the event types in it and how long the durable write took.
    private let writeObservers = Mutex<[WriteObserver]>([])
    private let keeperBox = Mutex<KeeperBox?>(nil)

    /// The event type of checkpoint records.
    public static let checkpointType = AuditEventType.checkpoint

    /// Opens the log on `store`, continuing the chain from its recorded head. With `sealing`, every record is keyed
    /// (HMAC) and names its writer, and `checkpoint()` is available.
    public init(
        store: any AuditRecordStore, clock: any TimeSource, sealing: AuditSealing? = nil,
        onBatch: (@Sendable (Int) -> Void)? = nil
    ) async throws {
        let store = sealing.map { store.guardingHeads(with: $0.keyring) } ?? store
        self.store = store
        self.writerQueue = (store as? any BlockingAuditRecordStore).map {
            (DispatchQueue(label: "tessera.audit.writer", qos: .userInitiated), $0)
        }
        self.sealing = sealing
        self.clock = clock
        self.batchObserver = onBatch
        let head = try await store.recordedHead()
        self.state = Mutex(State(head: head))
    }

    /// The chain this log appends to (its store's).
    public var chain: String { store.chain }

    /// Appends `event` and returns its record once it is durable.
    @discardableResult
    public func append(_ event: AuditEvent) async throws -> AuditRecord {
        try await enqueue(event, checkpointHeads: nil)
    }

    /// Appends a signed checkpoint over the head it follows in this log's chain (whoever wrote that head), naming the
    /// head of every chain in the store, and returns it once durable. A head whose MAC does not verify is named all the
    /// same (leaving it out would let a database writer hide a chain from every checkpoint by spoiling its head MAC:
    /// named, its records are pinned, and the chain's own walk fails on it) and passed to `onSuspectHead`.
    public func checkpoint(onSuspectHead: (String) -> Void = { _ in }) async throws -> SignedAuditCheckpoint {
        guard let sealing else { throw AuditError(.appendFailed, "checkpoints need the audit keys (derived from the KEK)") }
        var heads: [String: AuditHead] = [:]
        for head in try await store.chainHeads() where head.chain != store.chain {
            heads[head.chain] = head.head
            if !sealing.keyring.verifiesHeadMAC(head.head, mac: head.mac, chain: head.chain) { onSuspectHead(head.chain) }
        }
        let record = try await enqueue(
            AuditEvent(type: Self.checkpointType, outcome: .success, actor: "system", subject: sealing.writer),
            checkpointHeads: heads)
        guard let details = try? record.content().details, let signed = SignedAuditCheckpoint(details: details) else {
            throw AuditError(.appendFailed, "the checkpoint record could not be read back")
        }
        return signed
    }

    /// A signed statement of the head this log last made durable, as this server holds it in memory, without writing
    /// anything: sent outside the database when a checkpoint cannot be appended, so a database that lost (or was made
    /// to lose) the newest records cannot also keep their statement from leaving (`tessera audit verify --checkpoint`
    /// then finds them missing). Nil without the keys or before the first record.
    public func headStatement() throws -> SignedAuditCheckpoint? {
        guard let sealing, let head else { return nil }
        let statement = AuditCheckpoint(
            seq: head.seq, hash: head.hash, time: ISO8601.format(clock.now().roundedToMilliseconds), writer: sealing.writer,
            writers: [:], keyFingerprint: sealing.keyring.checkpointKey.fingerprint, chain: store.chain)
        return try SignedAuditCheckpoint(signing: statement, with: sealing.keyring)
    }

    private func enqueue(_ event: AuditEvent, checkpointHeads: [String: AuditHead]?) async throws -> AuditRecord {
        try await withCheckedThrowingContinuation { continuation in
            let startWriter = state.withLock { state -> Bool in
                state.queue.append(
                    Pending(event: event, time: clock.now(), checkpointHeads: checkpointHeads, continuation: continuation))
                if state.writing { return false }
                state.writing = true
                return true
            }
            guard startWriter else { return }
            if let (queue, store) = writerQueue {
                queue.async { self.drain(blocking: store) }
            } else {
                Task { await self.drain() }
            }
        }
    }

    /// Observes every durable batch (e.g. metrics, the audit sinks' wake-up): its event types and the time its write
    /// took. Observers add up; each is called on the writer, so it must return at once.
    public func observeWrites(_ observer: @escaping @Sendable ([String], Duration) -> Void) {
        writeObservers.withLock { $0.append(WriteObserver(call: observer)) }
    }

    /// Keeps every new durable head outside the database (see `AuditHeadKeeper`), from now on.
    public func keepHeads(with keeper: any AuditHeadKeeper) {
        keeperBox.withLock { $0 = KeeperBox(keeper) }
    }

    /// The keeper set with `keepHeads(with:)`.
    public var headKeeper: (any AuditHeadKeeper)? { keeperBox.withLock { $0?.keeper } }

    /// The current head of this log's chain, as written.
    public var head: AuditHead? { state.withLock { $0.head } }

    /// The next batch to write with the head it follows, or nil (and the writer stops) when the queue is empty.
    private func nextBatch() -> (batch: [Pending], head: AuditHead?)? {
        state.withLock { state in
            if state.queue.isEmpty {
                state.writing = false
                return nil
            }
            let take = min(state.queue.count, Self.maximumBatch)
            let batch = Array(state.queue.prefix(take))
            state.queue.removeFirst(take)
            return (batch, state.head)
        }
    }

    private func drain() async {
        while let (batch, head) = nextBatch() {
            let started = ContinuousClock.now
            let entries = batch.map { ($0.time, $0.event, $0.checkpointHeads) }
            let sealing = self.sealing
            let chain = store.chain
            let result: Result<[AuditRecord], any Error>
            do {
                // Chained after whatever head the store has when it writes (other servers may share it).
                result = .success(
                    try await store.append(after: head) { head in
                        try Self.chain(entries, after: head, in: chain, sealing: sealing)
                    })
            } catch {
                result = .failure(error)
            }
            finish(batch, result, started: started)
        }
    }

    /// The writer on the dedicated queue: builds, commits and hands back batches until the queue is empty.
    private func drain(blocking store: any BlockingAuditRecordStore) {
        while let (batch, head) = nextBatch() {
            let started = ContinuousClock.now
            let entries = batch.map { ($0.time, $0.event, $0.checkpointHeads) }
            let chain = store.chain
            let result = Result {
                try store.appendBlocking(after: head) { head in
                    try Self.chain(entries, after: head, in: chain, sealing: sealing)
                }
            }
            finish(batch, result, started: started)
        }
    }

    /// The records of a batch chained after `head` in `chain`; a checkpoint's statement is made over the head it
    /// follows.
    private static func chain(
        _ entries: [(Date, AuditEvent, [String: AuditHead]?)], after head: AuditHead?, in chain: String,
        sealing: AuditSealing?
    ) throws -> [AuditRecord] {
        var seq = head?.seq ?? 0
        var prev = head?.hash ?? AuditRecord.genesisHash
        var made: [AuditRecord] = []
        made.reserveCapacity(entries.count)
        for (index, (time, event, checkpointHeads)) in entries.enumerated() {
            var event = event
            if let checkpointHeads, let sealing {
                event = try checkpointEvent(
                    event, over: AuditHead(seq: seq, hash: prev), in: chain, naming: checkpointHeads, time: time,
                    sealing: sealing)
            }
            guard seq < Int64.max else { throw AuditError(.appendFailed, "the chain's head is at the largest seq") }
            seq += 1
            let record = try AuditRecord.make(
                seq: seq, chain: chain, prevHash: prev, time: time, event: event, sealing: sealing,
                sealsHead: index == entries.count - 1)
            made.append(record)
            prev = record.hash
        }
        return made
    }

    /// Moves the head past a durable batch and resumes its callers (or fails them all, leaving the head).
    private func finish(_ batch: [Pending], _ result: Result<[AuditRecord], any Error>, started: ContinuousClock.Instant) {
        guard case .success(let records) = result else {
            let failure = AuditError(.appendFailed, "audit record could not be made durable")
            for pending in batch { pending.continuation.resume(throwing: failure) }
            return
        }
        if let last = records.last {
            let head = AuditHead(seq: last.chainSeq, hash: last.hash)
            state.withLock { $0.head = head }
            headKeeper?.keep(head)
        }
        batchObserver?(batch.count)
        let observers = writeObservers.withLock { $0 }
        if !observers.isEmpty {
            let types = batch.map(\.event.type)
            let duration = ContinuousClock.now - started
            for observer in observers { observer.call(types, duration) }
        }
        for (pending, record) in zip(batch, records) { pending.continuation.resume(returning: record) }
    }

    /// The checkpoint record's event: a statement over `head` of `chain` naming every other chain's head, signed.
    private static func checkpointEvent(
        _ event: AuditEvent, over head: AuditHead, in chain: String, naming heads: [String: AuditHead], time: Date,
        sealing: AuditSealing
    ) throws -> AuditEvent {
        var heads = heads
        heads[chain] = head.seq > 0 ? head : nil
        let statement = AuditCheckpoint(
            seq: head.seq, hash: head.hash, time: ISO8601.format(time.roundedToMilliseconds), writer: sealing.writer,
            writers: heads, keyFingerprint: sealing.keyring.checkpointKey.fingerprint, chain: chain)
        let signed = try SignedAuditCheckpoint(signing: statement, with: sealing.keyring)
        return AuditEvent(
            type: event.type, outcome: event.outcome, actor: event.actor, subject: event.subject, details: signed.details)
    }
}

/// The head keeper, held by reference (as `WriteObserver`, for the same reason).
private final class KeeperBox: Sendable {
    let keeper: any AuditHeadKeeper
    init(_ keeper: any AuditHeadKeeper) { self.keeper = keeper }
}

/// The write observer, held by reference. A closure stored directly in a `Mutex` and read through its `inout` access
/// was re-abstracted on every read, each read wrapping it in two more thunks: after a few minutes of load the chain
/// took 60% of the CPU and throughput fell to a quarter (perf: a recursive "reabstraction thunk helper" over
/// `([String], Duration)`). A class reference reads back as itself.
private final class WriteObserver: Sendable {
    let call: @Sendable ([String], Duration) -> Void

    init(call: @escaping @Sendable ([String], Duration) -> Void) {
        self.call = call
    }
}
