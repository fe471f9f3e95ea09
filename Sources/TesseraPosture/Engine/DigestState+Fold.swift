import Foundation
import TesseraCore

extension DigestState {
    /// Folds one record body (canonical JSON bytes).
    mutating func fold(seq: Int64, body: UnsafeRawBufferPointer, record: inout RawRecord) {
        records += 1
        lastSeq = seq
        if RawRecordParser.parse(body, into: &record) {
            fold(record, base: body.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!)
            return
        }
        guard let view = try? JSONDecoder().decode(PostureRecordView.self, from: Data(body)) else { return }
        var buffer: [UInt8] = []
        guard view.fill(&record, scratch: &buffer) else { return }
        buffer.withUnsafeBytes { fold(record, base: $0.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!) }
    }

    private mutating func intern(_ span: Span, _ base: UnsafeRawPointer) -> Int32 {
        values.intern(base + Int(span.start), Int(span.count))
    }

    /// `PolicyDecision.responseHoldVersion`, as bytes.
    static let heldPolicyVersion = Array(PolicyDecision.responseHoldVersion.utf8)

    private func isHeld(_ version: Span, _ base: UnsafeRawPointer) -> Bool {
        Int(version.count) == Self.heldPolicyVersion.count
            && Self.heldPolicyVersion.withUnsafeBytes { memcmp(base + Int(version.start), $0.baseAddress!, $0.count) == 0 }
    }

    private func equal(_ a: Span, _ b: Span, _ base: UnsafeRawPointer) -> Bool {
        a.count == b.count && memcmp(base + Int(a.start), base + Int(b.start), Int(a.count)) == 0
    }

    mutating func fold(_ record: RawRecord, base: UnsafeRawPointer) {
        guard record.kind != .other, record.subject.isPresent else { return }
        if record.kind == .sinkLagging || record.kind == .sinkCaughtUp {
            let sink = String(
                decoding: UnsafeRawBufferPointer(start: base + Int(record.subject.start), count: Int(record.subject.count)),
                as: UTF8.self)
            sinks[sink] = SinkMark(
                lagging: record.kind == .sinkLagging, seq: record.seq, time: record.time, lag: record.lag ?? 0,
                maximumLag: record.maximumLag ?? 0)
            return
        }
        let subject = subjects.intern(base + Int(record.subject.start), Int(record.subject.count))
        if Int(subject) == profiles.count { profiles.append(DigestProfile()) }
        switch record.kind {
        case .issued: issued(record, subject: subject, base: base)
        case .refused:
            // A response hold's refusals are Tessera's doing: counting them would let a hold open a refusal-spike
            // on the identity it holds, and keep it open while the workload retries.
            if isHeld(record.policyVersion, base) { return }
            bucket(subject, time: record.time, issued: 0, refusedSeq: record.seq)
            if record.exceptionOutOfScope.isPresent {
                violation(.exceptionOutOfScope, subject, intern(record.exceptionOutOfScope, base), record)
            }
        case .exceptionUsed:
            if let expires = record.exceptionExpires, record.time > Double(expires), record.exception.isPresent {
                violation(.exceptionExpiredUse, subject, intern(record.exception, base), record)
            }
        case .other, .sinkLagging, .sinkCaughtUp: return
        }
    }

    private mutating func issued(_ record: RawRecord, subject: Int32, base: UnsafeRawPointer) {
        var profile = profiles[Int(subject)]
        let time = record.time
        let before = Int32(clamping: profile.issued)
        profile.issued += 1
        if profile.firstIssued.isNaN { profile.firstIssued = time }
        profile.lastIssued = time
        profile.lastIssuedSeq = record.seq
        for scope in record.scopes { see(.scope, intern(scope, base), record, before: before, in: &profile) }
        // A delegated issuance (an exchange) was asked for by the actor, from the actor's network, for the actor's
        // audience: crediting them to the subject would let any downstream holder of its token make it drift.
        let delegated = !record.chain.isEmpty
        if !delegated, record.source.isPresent, let network = network(record.source, base) {
            see(.source, network, record, before: before, in: &profile)
        }
        if !delegated, record.aud.isPresent { see(.audience, intern(record.aud, base), record, before: before, in: &profile) }
        if let exp = record.exp {
            let ttl = exp - Int64(time.rounded(.down))
            if ttl > profile.longestTTL {
                profile.longestTTL = ttl
                profile.longestTTLSeq = record.seq
            }
        }
        let chain = record.chain
        if chain.count > profile.deepestDelegation {
            profile.deepestDelegation = Int64(chain.count)
            profile.deepestDelegationSeq = record.seq
        }
        profiles[Int(subject)] = profile
        if !chain.isEmpty && isLoop(chain, subject: record.subject, base: base) {
            violation(.exchangeLoop, subject, -1, record)
        }
        if record.subjectTokenJTI.isPresent {
            let jti = String(
                decoding: UnsafeRawBufferPointer(
                    start: base + Int(record.subjectTokenJTI.start), count: Int(record.subjectTokenJTI.count)), as: UTF8.self)
            if var entry = exchanges[jti] {
                entry.count += 1
                entry.last = max(entry.last, time)
                if entry.seqs.count < 5 { entry.seqs.append(record.seq) }
                exchanges[jti] = entry
            } else {
                exchanges[jti] = ExchangeCount(subject: subject, count: 1, first: time, last: time, seqs: [record.seq])
            }
        }
        // The server admits an exchange into a task only while the task is open and names the parties; a delegated
        // issuance's task use is the actor's doing, not to be checked against the subject.
        if record.task.isPresent, !delegated {
            let key = TaskUseKey(task: intern(record.task, base), subject: subject)
            var use = taskUses[key] ?? TaskUse(firstSeq: record.seq, lastSeq: record.seq, last: time, scopes: [:])
            use.lastSeq = record.seq
            use.last = max(use.last, time)
            for scope in record.scopes {
                let id = intern(scope, base)
                if use.scopes[id] == nil { use.scopes[id] = record.seq }
            }
            taskUses[key] = use
        }
        if !delegated { bucket(subject, time: time, issued: 1, refusedSeq: nil) }
    }

    /// A chain in which an actor appears twice, or the subject acts for itself through others.
    private func isLoop(_ chain: [Span], subject: Span, base: UnsafeRawPointer) -> Bool {
        for i in chain.indices {
            if chain.count > 1 && equal(chain[i], subject, base) { return true }
            for j in chain.indices where j > i {
                if equal(chain[i], chain[j], base) { return true }
            }
        }
        return false
    }

    mutating func violation(_ kind: ViolationKind, _ subject: Int32, _ value: Int32, _ record: RawRecord) {
        violation(kind, subject, value, seq: record.seq, time: record.time)
    }

    mutating func violation(_ kind: ViolationKind, _ subject: Int32, _ value: Int32, seq: Int64, time: Double) {
        let key = ViolationKey(kind: kind, subject: subject, value: value)
        if var aggregate = violations[key] {
            aggregate.add(seq: seq, time: time)
            violations[key] = aggregate
        } else {
            violations[key] = ViolationAggregate(count: 1, first: time, last: time, seqs: [seq])
        }
    }

    private mutating func see(
        _ kind: SightingKind, _ value: Int32, _ record: RawRecord, before: Int32, in profile: inout DigestProfile
    ) {
        let key = DigestSighting.key(kind, value)
        var index = profile.sightings
        while index >= 0 {
            if sightings[Int(index)].key == key {
                sightings[Int(index)].last = record.time
                sightings[Int(index)].lastSeq = record.seq
                sightings[Int(index)].count += 1
                return
            }
            index = sightings[Int(index)].next
        }
        sightings.append(
            DigestSighting(
                key: key, next: profile.sightings, count: 1, issuedBefore: before, first: record.time, last: record.time,
                firstSeq: record.seq, lastSeq: record.seq))
        profile.sightings = Int32(sightings.count - 1)
    }

    mutating func bucket(_ subject: Int32, time: Double, issued: Int32, refusedSeq: Int64?) {
        let hour = Self.hour(time)
        guard hour >= horizonHour else { return }
        let refused: Int32 = refusedSeq == nil ? 0 : 1
        var previous: Int32 = -1
        var index = profiles[Int(subject)].buckets
        while index >= 0 && buckets[Int(index)].hour > hour {
            previous = index
            index = buckets[Int(index)].next
        }
        if index >= 0 && buckets[Int(index)].hour == hour {
            buckets[Int(index)].issued += issued
            buckets[Int(index)].refused += refused
            if let seq = refusedSeq {
                if buckets[Int(index)].firstRefusedSeq == 0 { buckets[Int(index)].firstRefusedSeq = seq }
                buckets[Int(index)].lastRefusedSeq = seq
            }
            return
        }
        buckets.append(
            DigestBucket(
                hour: hour, next: index, issued: issued, refused: refused, firstRefusedSeq: refusedSeq ?? 0,
                lastRefusedSeq: refusedSeq ?? 0))
        let new = Int32(buckets.count - 1)
        if previous < 0 { profiles[Int(subject)].buckets = new } else { buckets[Int(previous)].next = new }
    }

    /// The source as a network value: IPv4 addresses are grouped by /24, so DHCP churn inside a subnet is not
    /// drift; anything else is taken as is. `nil` for `unknown`.
    private mutating func network(_ span: Span, _ base: UnsafeRawPointer) -> Int32? {
        let start = base + Int(span.start)
        let count = Int(span.count)
        if count == 7 && memcmp(start, "unknown", 7) == 0 { return nil }
        var dots = 0
        var lastDot = -1
        var digits = 0
        var value = 0
        var ipv4 = count >= 7 && count <= 15
        if ipv4 {
            for index in 0..<count {
                let byte = start.load(fromByteOffset: index, as: UInt8.self)
                if byte == 46 {
                    if digits == 0 || value > 255 {
                        ipv4 = false
                        break
                    }
                    dots += 1
                    lastDot = index
                    digits = 0
                    value = 0
                } else if byte >= 48 && byte <= 57 {
                    digits += 1
                    value = value * 10 + Int(byte - 48)
                    if digits > 3 {
                        ipv4 = false
                        break
                    }
                } else {
                    ipv4 = false
                    break
                }
            }
            ipv4 = ipv4 && dots == 3 && digits > 0 && value <= 255
        }
        guard ipv4 else { return values.intern(start, count) }
        scratch.removeAll(keepingCapacity: true)
        scratch.append(contentsOf: UnsafeRawBufferPointer(start: start, count: lastDot))
        scratch.append(contentsOf: ".0/24".utf8)
        return scratch.withUnsafeBytes { values.intern($0.baseAddress!, $0.count) }
    }
}
