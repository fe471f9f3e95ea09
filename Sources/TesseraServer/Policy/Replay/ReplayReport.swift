/// Totals of a policy replay and the decisions that changed (at most `listLimit` of them listed; totals are exact).
public struct ReplayReport: Sendable, Equatable {
    public var recordsRead = 0
    /// Decision records in the range (with or without an input).
    public var decisions = 0
    public var replayed = 0
    public var allowToDeny = 0
    public var denyToAllow = 0
    public var unchanged = 0
    /// Refusals by the inventory's grants (no policy involved).
    public var inventory = 0
    /// Decisions recorded without an input, by the policy version they name.
    public var lackingInput: [String: Int] = [:]
    /// Records whose stored input could not be read, or that failed the integrity check: never replayed.
    public var unreadable: [ReplayProblem] = []
    public var integrityFailures: [ReplayProblem] = []
    /// Whether record MACs were checked (the KEK was available); hashes and links always are.
    public var macsChecked = false
    public var changes: [ReplayChange] = []
    public var listLimit = 10_000

    public init(listLimit: Int = 10_000) { self.listLimit = listLimit }

    public var changed: Int { allowToDeny + denyToAllow }
    public var lackingInputTotal: Int { lackingInput.values.reduce(0, +) }
    public var skipped: Int { lackingInputTotal + inventory + unreadable.count + integrityFailures.count }

    mutating func add(_ outcome: ReplayOutcome) {
        switch outcome {
        case .notADecision: return
        case .lacksInput(let version): lackingInput[version, default: 0] += 1
        case .inventory: inventory += 1
        case .unchanged:
            replayed += 1
            unchanged += 1
        case .changed(let change):
            replayed += 1
            if change.newDecision == "deny" { allowToDeny += 1 } else { denyToAllow += 1 }
            if changes.count < listLimit { changes.append(change) }
        case .unreadable(let seq, let reason):
            if unreadable.count < listLimit { unreadable.append(ReplayProblem(seq: seq, reason: reason)) }
        }
        decisions += 1
    }

    mutating func merge(_ other: ReplayReport) {
        recordsRead += other.recordsRead
        decisions += other.decisions
        replayed += other.replayed
        allowToDeny += other.allowToDeny
        denyToAllow += other.denyToAllow
        unchanged += other.unchanged
        inventory += other.inventory
        lackingInput.merge(other.lackingInput, uniquingKeysWith: +)
        unreadable += other.unreadable.prefix(max(0, listLimit - unreadable.count))
        integrityFailures += other.integrityFailures.prefix(max(0, listLimit - integrityFailures.count))
        changes += other.changes.prefix(max(0, listLimit - changes.count))
    }
}

/// A record that could not be replayed, and why.
public struct ReplayProblem: Sendable, Equatable, Codable {
    public let seq: Int64
    public let reason: String
}
