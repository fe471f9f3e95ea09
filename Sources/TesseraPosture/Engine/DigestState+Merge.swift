import Foundation

extension DigestState {
    /// Folds in `other`, a digest of records that all come after this one's (a later seq range): the
    /// incremental step (persisted digest + new records) and the join of the parallel workers.
    mutating func absorb(_ other: DigestState) {
        let subjectMap = Self.remap(other.subjects, into: &subjects)
        let valueMap = Self.remap(other.values, into: &values)
        while profiles.count < subjects.count { profiles.append(DigestProfile()) }
        for (index, theirs) in other.profiles.enumerated() {
            let subject = Int(subjectMap[index])
            var mine = profiles[subject]
            let before = Int32(clamping: mine.issued)
            mine.issued += theirs.issued
            if mine.firstIssued.isNaN { mine.firstIssued = theirs.firstIssued }
            if !theirs.lastIssued.isNaN {
                mine.lastIssued = theirs.lastIssued
                mine.lastIssuedSeq = theirs.lastIssuedSeq
            }
            if theirs.longestTTL > mine.longestTTL {
                mine.longestTTL = theirs.longestTTL
                mine.longestTTLSeq = theirs.longestTTLSeq
            }
            if theirs.deepestDelegation > mine.deepestDelegation {
                mine.deepestDelegation = theirs.deepestDelegation
                mine.deepestDelegationSeq = theirs.deepestDelegationSeq
            }
            var cursor = theirs.sightings
            var incoming: [DigestSighting] = []
            while cursor >= 0 {
                incoming.append(other.sightings[Int(cursor)])
                cursor = other.sightings[Int(cursor)].next
            }
            // Oldest first, so a list rebuilt from scratch keeps the newest at its head.
            for var sighting in incoming.reversed() {
                sighting.key = DigestSighting.key(sighting.kind, valueMap[Int(sighting.value)])
                merge(sighting, before: before, into: &mine)
            }
            profiles[subject] = mine
            cursor = theirs.buckets
            while cursor >= 0 {
                let bucket = other.buckets[Int(cursor)]
                if bucket.hour >= horizonHour { merge(bucket, subject: Int32(subject)) }
                cursor = bucket.next
            }
        }
        for (key, aggregate) in other.violations {
            let mapped = ViolationKey(
                kind: key.kind, subject: subjectMap[Int(key.subject)], value: key.value < 0 ? -1 : valueMap[Int(key.value)])
            if var existing = violations[mapped] {
                existing.absorb(aggregate)
                violations[mapped] = existing
            } else {
                violations[mapped] = aggregate
            }
        }
        for (jti, entry) in other.exchanges {
            if var existing = exchanges[jti] {
                existing.count += entry.count
                existing.last = max(existing.last, entry.last)
                existing.seqs = Array((existing.seqs + entry.seqs).prefix(5))
                exchanges[jti] = existing
            } else {
                var moved = entry
                moved.subject = subjectMap[Int(entry.subject)]
                exchanges[jti] = moved
            }
        }
        for (sink, mark) in other.sinks where (sinks[sink]?.seq ?? 0) < mark.seq { sinks[sink] = mark }
        for (key, use) in other.taskUses {
            let mapped = TaskUseKey(task: valueMap[Int(key.task)], subject: subjectMap[Int(key.subject)])
            var scopes: [Int32: Int64] = [:]
            for (scope, seq) in use.scopes { scopes[valueMap[Int(scope)]] = seq }
            if var existing = taskUses[mapped] {
                existing.lastSeq = use.lastSeq
                existing.last = max(existing.last, use.last)
                existing.scopes.merge(scopes) { first, _ in first }
                taskUses[mapped] = existing
            } else {
                taskUses[mapped] = TaskUse(firstSeq: use.firstSeq, lastSeq: use.lastSeq, last: use.last, scopes: scopes)
            }
        }
        records += other.records
        if other.lastSeq > lastSeq {
            lastSeq = other.lastSeq
            lastHash = other.lastHash
        }
    }

    private mutating func merge(_ sighting: DigestSighting, before: Int32, into profile: inout DigestProfile) {
        var index = profile.sightings
        while index >= 0 {
            if sightings[Int(index)].key == sighting.key {
                sightings[Int(index)].last = sighting.last
                sightings[Int(index)].lastSeq = sighting.lastSeq
                sightings[Int(index)].count += sighting.count
                return
            }
            index = sightings[Int(index)].next
        }
        var added = sighting
        added.issuedBefore = before &+ sighting.issuedBefore
        added.next = profile.sightings
        sightings.append(added)
        profile.sightings = Int32(sightings.count - 1)
    }

    private mutating func merge(_ bucket: DigestBucket, subject: Int32) {
        var previous: Int32 = -1
        var index = profiles[Int(subject)].buckets
        while index >= 0 && buckets[Int(index)].hour > bucket.hour {
            previous = index
            index = buckets[Int(index)].next
        }
        if index >= 0 && buckets[Int(index)].hour == bucket.hour {
            buckets[Int(index)].issued += bucket.issued
            buckets[Int(index)].refused += bucket.refused
            if buckets[Int(index)].firstRefusedSeq == 0 { buckets[Int(index)].firstRefusedSeq = bucket.firstRefusedSeq }
            if bucket.lastRefusedSeq != 0 { buckets[Int(index)].lastRefusedSeq = bucket.lastRefusedSeq }
            return
        }
        var added = bucket
        added.next = index
        buckets.append(added)
        let new = Int32(buckets.count - 1)
        if previous < 0 { profiles[Int(subject)].buckets = new } else { buckets[Int(previous)].next = new }
    }

    /// Interns every string of `source` into `target`; returns source id → target id.
    static func remap(_ source: ByteInterner, into target: inout ByteInterner) -> [Int32] {
        var map = [Int32](repeating: 0, count: source.count)
        source.arena.withUnsafeBytes { bytes in
            let base = bytes.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!
            for id in 0..<source.count {
                map[id] = target.intern(base + source.offsets[id], source.offsets[id + 1] - source.offsets[id])
            }
        }
        return map
    }

    /// Drops what no detector will look at again after `now`: hourly buckets older than the 8-day horizon,
    /// violations older than `keepDays`, subject-token counts idle for a day that never looked abnormal.
    mutating func prune(now: Date, keepDays: Int, exchangeLimit: Int) {
        let horizon = Self.hour(now.timeIntervalSince1970 - 8 * 86_400) - 1
        horizonHour = max(horizonHour, horizon)
        var kept: [DigestBucket] = []
        kept.reserveCapacity(buckets.count / 2)
        for subject in profiles.indices {
            var index = profiles[subject].buckets
            var head: Int32 = -1
            var tail: Int32 = -1
            while index >= 0 {
                var bucket = buckets[Int(index)]
                index = bucket.next
                guard bucket.hour >= horizonHour else { break }
                bucket.next = -1
                kept.append(bucket)
                let new = Int32(kept.count - 1)
                if tail < 0 { head = new } else { kept[Int(tail)].next = new }
                tail = new
            }
            profiles[subject].buckets = head
        }
        buckets = kept
        let oldest = now.timeIntervalSince1970 - Double(keepDays) * 86_400
        violations = violations.filter { $0.value.last >= oldest }
        let dayAgo = now.timeIntervalSince1970 - 86_400
        exchanges = exchanges.filter {
            $0.value.last >= dayAgo || ($0.value.count > Int64(exchangeLimit) && $0.value.last >= oldest)
        }
    }
}
