import Foundation
import Synchronization
import TesseraStore

/// What a posture engine keeps in memory between evaluations, so an evaluation reads and recomputes only what
/// changed: the folded audit digest (instead of reading the persisted file back), the inventory as of its version
/// (`change_counters`: an inventory whose version did not move is not read again), and each identity's findings
/// with the time until which they hold.
final class PostureMemory: Sendable {
    /// One identity as the detectors see it (its JWKS is not kept: the shared keys are found when it is read).
    struct Entry: Sendable {
        let row: InventoryRow
    }

    /// One identity's findings, and the time before which an evaluation with the same inputs finds the same
    /// (`IdentityDetectors.changesAt`).
    struct Result: Sendable {
        var findings: [Finding]
        var until: Double
    }

    /// The detectors' results for every kept identity, with the inputs they were found with.
    struct Results: Sendable {
        var perEntry: [Result]
        /// The evaluation's time (seconds since 1970).
        var at: Double
        /// The kept digest they were found with (`keep(_:)`'s generation).
        var digest: UInt64
        var departed: Set<String>
        /// Every identity's findings, sorted as evaluations answer.
        var sorted: [Finding]
    }

    /// The inventory as read when `change_counters` said `version` (read before the rows).
    struct Inventory: Sendable {
        let version: Int64
        let entries: [Entry]
        /// Key material registered for more than one identity (it depends on the rows alone).
        let sharedKeys: [String: [(id: String, clientID: String)]]
        var results: Results?
    }

    /// The digest file is a cache for the next start (the kept digest serves every evaluation until then): written
    /// when this engine has not written one, when the records folded since reach a tenth of the log (at least
    /// `persistRecords`), or when the last write is `persistInterval` old, not after every fold (it is the whole
    /// digest: hundreds of megabytes at a million identities).
    static let persistRecords: Int64 = 50_000
    static let persistInterval: TimeInterval = 600

    private let persisted = Mutex<(records: Int64, at: Date)?>(nil)
    private let digest = Mutex<(state: DigestState, generation: UInt64)?>(nil)
    private let generations = Mutex<UInt64>(0)
    private let inventory = Mutex<Inventory?>(nil)

    /// Takes the kept digest out (an evaluation folds into it; a concurrent one finds none and reads the file).
    func takeDigest() -> (state: DigestState, generation: UInt64)? {
        digest.withLock { kept in
            defer { kept = nil }
            return kept
        }
    }

    /// Keeps `state` (unless a digest further along the log is kept) and answers the generation that names it.
    func keep(_ state: DigestState) -> UInt64 {
        let generation = generations.withLock { count in
            count += 1
            return count
        }
        digest.withLock { kept in
            if let kept, kept.state.lastSeq > state.lastSeq { return }
            kept = (state, generation)
        }
        return generation
    }

    /// Whether a digest of `records` records, found at `now`, should be written to the file (and if so, notes it as
    /// written). `fileIsCurrent`: it was just read from the file and nothing was folded; `cold`: the whole log was
    /// folded (the file, if any, is of another log or none).
    func shouldPersist(records: Int64, now: Date, fileIsCurrent: Bool, cold: Bool) -> Bool {
        persisted.withLock { last in
            if fileIsCurrent {
                last = (records, now)
                return false
            }
            if !cold, let last {
                if records == last.records { return false }
                if records - last.records < max(Self.persistRecords, records / 10),
                    now.timeIntervalSince(last.at) < Self.persistInterval, now >= last.at
                {
                    return false
                }
            }
            last = (records, now)
            return true
        }
    }

    /// The inventory kept for `version`, if that is the one kept.
    func inventory(at version: Int64?) -> Inventory? {
        guard let version else { return nil }
        return inventory.withLock { kept in kept?.version == version ? kept : nil }
    }

    /// Keeps `inventory` (a `nil` version is never reused; an older version never replaces a newer one).
    func keep(_ inventory: Inventory) {
        self.inventory.withLock { kept in
            if let kept, kept.version > inventory.version { return }
            kept = inventory
        }
    }
}
