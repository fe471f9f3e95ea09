import Synchronization
import TesseraStore

/// What a posture engine keeps in memory between evaluations, so an evaluation reads and recomputes only what
/// changed: the folded audit digest (instead of reading the persisted file back), the inventory as of its version
/// (`change_counters`: an inventory whose version did not move is not read again), and each identity's findings
/// with the time until which they hold.
final class PostureMemory: Sendable {
    /// One identity as the detectors see it, with its key material already extracted (the JWKS is not kept).
    struct Entry: Sendable {
        let row: InventoryRow
        let keyMaterial: [String]
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
