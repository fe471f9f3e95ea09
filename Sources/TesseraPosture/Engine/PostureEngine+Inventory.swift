import Foundation
import TesseraStore

extension PostureEngine {
    /// What the inventory pass found.
    struct InventoryPass: Sendable {
        /// Every identity's findings, sorted as evaluations answer.
        var findings: [Finding] = []
        /// Key material registered for more than one identity.
        var sharedKeys: [String: [(id: String, clientID: String)]] = [:]
        var subjectIdentities: [Int32: String] = [:]
        var spiffeIdentities: [String: String] = [:]
        var count = 0
        /// Whether the inventory was read (else the kept one was used), and how many identities' detectors ran.
        var read = false
        var evaluated = 0
        /// Wall time of the pass's steps (read or kept, detectors, findings collected and sorted), for benchmarks.
        var steps: [(name: String, seconds: Double)] = []
    }

    /// What the digest this evaluation uses is, relative to the one the kept results were found with.
    struct DigestLineage {
        /// The kept digest this one continued (`nil`: loaded or folded afresh).
        let base: UInt64?
        /// Subjects whose part of the digest changed since `base`.
        let touched: Set<Int32>
        /// This digest's generation.
        let generation: UInt64
    }

    /// Runs the per-identity detectors on every identity, split across threads (off the cooperative pool). The
    /// inventory is read only when its version moved since the kept one was read; a kept identity's findings are
    /// reused while its row, its part of the digest and the departed owners are unchanged and the clock has not
    /// reached the time they hold until.
    func inventoryPass(
        detectors: IdentityDetectors, eventSubjects: Set<Int32>, exceptionSubjects: Set<String>, lineage: DigestLineage
    ) async throws -> InventoryPass {
        let workers = max(1, min(4, ProcessInfo.processInfo.activeProcessorCount))
        var timer = PhaseTimer()
        // Read before the rows: a write after this moves the version, so the next pass reads again.
        let version = try await inventoryReader.version()
        var inventory: PostureMemory.Inventory
        var read = false
        if let kept = memory.inventory(at: version) {
            inventory = kept
        } else {
            let (entries, sharedKeys) = try await readInventory(workers: workers)
            inventory = PostureMemory.Inventory(version: version ?? -1, entries: entries, sharedKeys: sharedKeys)
            read = true
        }
        timer.end(read ? "inventory read" : "inventory unchanged (kept)")
        let now = detectors.now.timeIntervalSince1970
        var previous: PostureMemory.Results? = nil
        if let results = inventory.results, let base = lineage.base, results.digest == base,
            results.departed == detectors.departedOwners, now >= results.at
        {
            previous = results
        }
        let visitor = Visitor(
            detectors: detectors, eventSubjects: eventSubjects, exceptionSubjects: exceptionSubjects, previous: previous,
            touched: lineage.touched)
        let parts = try await Self.visit(inventory.entries, visitor: visitor, workers: workers)
        var pass = InventoryPass(sharedKeys: inventory.sharedKeys, read: read)
        var perEntry: [PostureMemory.Result] = []
        perEntry.reserveCapacity(inventory.entries.count)
        for part in parts {
            perEntry += part.results
            pass.subjectIdentities.merge(part.subjectIdentities) { first, _ in first }
            pass.spiffeIdentities.merge(part.spiffeIdentities) { first, _ in first }
            pass.evaluated += part.evaluated.count
        }
        pass.count = inventory.entries.count
        timer.end("detectors (\(pass.evaluated) of \(pass.count) identities)")
        if let previous, pass.evaluated == 0 {
            pass.findings = previous.sorted
        } else if let previous, pass.evaluated * 4 < pass.count {
            // A few identities were evaluated again: their old findings leave the sorted list, their new ones are
            // merged in (a full sort of every finding costs seconds at a million identities).
            var again: Set<String> = []
            var fresh: [Finding] = []
            for part in parts {
                for position in part.evaluated {
                    again.insert(inventory.entries[position].row.id)
                    fresh += perEntry[position].findings
                }
            }
            pass.findings = Self.merged(previous.sorted, Self.sorted(fresh)) { finding in
                finding.pointee.identityID.map { again.contains($0) } ?? false
            }
        } else {
            var all: [Finding] = []
            all.reserveCapacity(perEntry.reduce(0) { $0 + $1.findings.count })
            for result in perEntry { all += result.findings }
            pass.findings = Self.sorted(all)
        }
        timer.end(previous != nil && pass.evaluated == 0 ? "findings (kept, sorted)" : "findings collected and sorted")
        pass.steps = timer.phases
        inventory.results = PostureMemory.Results(
            perEntry: perEntry, at: now, digest: lineage.generation, departed: detectors.departedOwners, sorted: pass.findings)
        if version != nil { memory.keep(inventory) }
        return pass
    }

    /// What the detectors found over one part of the inventory.
    struct VisitedPart: Sendable {
        var results: [PostureMemory.Result] = []
        var subjectIdentities: [Int32: String] = [:]
        var spiffeIdentities: [String: String] = [:]
        /// Positions (in the inventory) of the identities whose detectors ran.
        var evaluated: [Int] = []
    }

    /// Visits `entries` in `workers` contiguous parts, each on a thread of its own; the parts in order.
    static func visit(_ entries: [PostureMemory.Entry], visitor: Visitor, workers: Int) async throws -> [VisitedPart] {
        let size = max(1, (entries.count + workers - 1) / workers)
        let starts = Array(stride(from: 0, to: entries.count, by: size))
        return try await OffPoolThread.runEach(starts.count) { index in
            var part = VisitedPart()
            let range = starts[index]..<min(entries.count, starts[index] + size)
            part.results.reserveCapacity(range.count)
            for position in range { visitor.visit(entries[position], at: position, into: &part) }
            return part
        }
    }

    /// Reads every identity once (split by row range across threads on SQLite, one stream on PostgreSQL), keeping
    /// each as an entry, and finds the key material registered for more than one of them (the material itself is not
    /// kept).
    func readInventory(workers: Int) async throws -> (
        entries: [PostureMemory.Entry], sharedKeys: [String: [(id: String, clientID: String)]]
    ) {
        let reader = inventoryReader
        var parts: [InventoryPart] = []
        if reader.blocks {
            let ranges = try await OffPoolThread.run { try reader.ranges(parts: workers) }
            parts = try await OffPoolThread.runEach(ranges.count) { index in
                var part = InventoryPart()
                try reader.scan(after: ranges[index].after, through: ranges[index].through) { part.add($0) }
                return part
            }
        } else {
            var part = InventoryPart()
            try await reader.stream { part.add($0) }
            parts = [part]
        }
        var entries: [PostureMemory.Entry] = []
        entries.reserveCapacity(parts.reduce(0) { $0 + $1.entries.count })
        var firstOwner: [String: (id: String, clientID: String)] = [:]
        var sharedKeys: [String: [(id: String, clientID: String)]] = [:]
        for part in parts {
            for (entry, materials) in zip(part.entries, part.keyMaterial) {
                for material in materials {
                    let owner = (entry.row.id, entry.row.clientID)
                    if let first = firstOwner[material] {
                        sharedKeys[material, default: [first]].append(owner)
                    } else {
                        firstOwner[material] = owner
                    }
                }
            }
            entries += part.entries
        }
        return (entries, sharedKeys)
    }

    /// Identities read by one reader: each kept as an entry, its key material beside it until the shared keys are
    /// found. Owners and scope lists repeat across an estate (a team owns thousands of identities granted the same
    /// scopes), so equal ones share one string or array instead of one allocation per identity.
    struct InventoryPart: Sendable {
        var entries: [PostureMemory.Entry] = []
        var keyMaterial: [[String]] = []
        private var owners: [String: String] = [:]
        private var scopeLists: [[String]: [String]] = [:]

        /// Keeps `identity` without its JWKS (its key material is extracted; none for a retired identity).
        mutating func add(_ identity: InventoryRow) {
            let owner = Self.interned(identity.owner, in: &owners)
            let scopes = Self.interned(identity.scopes, in: &scopeLists)
            entries.append(
                PostureMemory.Entry(
                    row: InventoryRow(
                        id: identity.id, clientID: identity.clientID, owner: owner, status: identity.status, scopes: scopes,
                        jwks: "", tokenTTL: identity.tokenTTL, createdAt: identity.createdAt, expiresAt: identity.expiresAt,
                        reviewBy: identity.reviewBy)))
            keyMaterial.append(identity.status == .retired ? [] : EstateDetectors.keyMaterial(identity.jwks))
        }

        /// The kept copy equal to `value`, or `value` (kept for the next, while fewer than `internLimit` are kept).
        private static func interned<Value: Hashable>(_ value: Value, in kept: inout [Value: Value]) -> Value {
            if let known = kept[value] { return known }
            if kept.count < internLimit { kept[value] = value }
            return value
        }

        /// Distinct owners or scope lists one part interns at most (an estate where every identity has its own gains
        /// nothing from interning, and the table would cost as much again).
        static let internLimit = 100_000
    }

    /// The per-identity detectors, the results they may reuse, and what each identity's visit records beside them.
    struct Visitor: Sendable {
        let detectors: IdentityDetectors
        let eventSubjects: Set<Int32>
        let exceptionSubjects: Set<String>
        /// Results found before with the same inventory, departed owners and digest lineage (`nil`: none reusable).
        let previous: PostureMemory.Results?
        /// Subjects whose part of the digest changed since `previous` was found.
        let touched: Set<Int32>

        func visit(_ entry: PostureMemory.Entry, at position: Int, into part: inout VisitedPart) {
            let identity = entry.row
            // The subject is looked up only when something needs it (a million lookups cost a tenth of a second).
            let subject =
                eventSubjects.isEmpty && touched.isEmpty && previous != nil ? nil : detectors.digest.subjectID(identity.clientID)
            if let subject, eventSubjects.contains(subject) { part.subjectIdentities[subject] = identity.id }
            if !exceptionSubjects.isEmpty, exceptionSubjects.contains(identity.clientID) {
                part.spiffeIdentities[identity.clientID] = identity.id
            }
            if let previous, position < previous.perEntry.count, subject.map({ !touched.contains($0) }) ?? true {
                let kept = previous.perEntry[position]
                let now = detectors.now.timeIntervalSince1970
                if now == previous.at || now < kept.until {
                    part.results.append(kept)
                    return
                }
            }
            part.evaluated.append(position)
            part.results.append(
                PostureMemory.Result(findings: detectors.findings(for: identity), until: detectors.changesAt(identity)))
        }
    }

    /// Findings in the order evaluations answer: severity (highest first), category, subject, id. Through pointers:
    /// a comparison reads four fields, never copies a finding (a copy retains every string in it).
    @inline(__always)
    static func precedes(_ x: UnsafePointer<Finding>, _ y: UnsafePointer<Finding>) -> Bool {
        if x.pointee.severity != y.pointee.severity { return x.pointee.severity > y.pointee.severity }
        if x.pointee.category != y.pointee.category { return x.pointee.category.rawValue < y.pointee.category.rawValue }
        if x.pointee.subject != y.pointee.subject { return x.pointee.subject < y.pointee.subject }
        return x.pointee.id < y.pointee.id
    }

    /// `findings` sorted (positions first, then each finding moved once: a finding is large).
    static func sorted(_ findings: [Finding]) -> [Finding] {
        let order = findings.withUnsafeBufferPointer { all -> [Int] in
            guard let base = all.baseAddress else { return [] }
            return all.indices.sorted { precedes(base + $0, base + $1) }
        }
        return order.map { findings[$0] }
    }

    /// Two sorted lists as one, leaving out the findings of `a` that `dropping` names (one pass, one copy of each).
    static func merged(
        _ a: [Finding], _ b: [Finding], dropping: ((UnsafePointer<Finding>) -> Bool)? = nil
    ) -> [Finding] {
        if dropping == nil, b.isEmpty { return a }
        if a.isEmpty { return b }
        return a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                var out: [Finding] = []
                out.reserveCapacity(a.count + b.count)
                var i = 0
                var j = 0
                while i < a.count {
                    let x = a.baseAddress! + i
                    if let dropping, dropping(x) {
                        i += 1
                    } else if j < b.count, precedes(b.baseAddress! + j, x) {
                        out.append(b[j])
                        j += 1
                    } else {
                        out.append(x.pointee)
                        i += 1
                    }
                }
                if j < b.count { out += b[j...] }
                return out
            }
        }
    }
}
