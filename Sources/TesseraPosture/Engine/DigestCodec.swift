import Foundation

/// Reads and writes a `DigestState` as one binary file: a header (format version, struct layouts, last folded
/// seq and its hash) and the flat arrays as they are in memory. The file is a cache: anything unexpected
/// (other version, other layout, short file) reads as "no digest" and the next evaluation folds from scratch.
enum DigestCodec {
    static let magic: UInt32 = 0x5450_4447  // "TPDG"

    static var layout: [UInt32] {
        [
            UInt32(MemoryLayout<DigestProfile>.stride), UInt32(MemoryLayout<DigestSighting>.stride),
            UInt32(MemoryLayout<DigestBucket>.stride), UInt32(MemoryLayout<Int>.stride),
        ]
    }

    static func encode(_ state: DigestState) -> Data {
        var out = Writer()
        out.scalar(magic)
        out.scalar(DigestState.formatVersion)
        for size in layout { out.scalar(size) }
        out.scalar(state.lastSeq)
        out.scalar(state.records)
        out.scalar(state.horizonHour)
        out.string(state.lastHash)
        out.array(state.subjects.arena)
        out.array(state.subjects.offsets)
        out.array(state.values.arena)
        out.array(state.values.offsets)
        out.array(state.profiles)
        out.array(state.sightings)
        out.array(state.buckets)
        out.scalar(Int64(state.violations.count))
        for (key, aggregate) in state.violations {
            out.scalar(key.kind.rawValue)
            out.scalar(key.subject)
            out.scalar(key.value)
            out.scalar(aggregate.count)
            out.scalar(aggregate.first)
            out.scalar(aggregate.last)
            out.array(aggregate.seqs)
        }
        out.scalar(Int64(state.exchanges.count))
        for (jti, entry) in state.exchanges {
            out.string(jti)
            out.scalar(entry.subject)
            out.scalar(entry.count)
            out.scalar(entry.first)
            out.scalar(entry.last)
            out.array(entry.seqs)
        }
        out.scalar(Int64(state.sinks.count))
        for (sink, mark) in state.sinks {
            out.string(sink)
            out.scalar(UInt8(mark.lagging ? 1 : 0))
            out.scalar(mark.seq)
            out.scalar(mark.time)
            out.scalar(mark.lag)
            out.scalar(mark.maximumLag)
        }
        out.scalar(magic)
        return out.data
    }

    static func decode(_ data: Data) -> DigestState? {
        var input = Reader(data: data)
        guard input.scalar(UInt32.self) == magic, input.scalar(UInt32.self) == DigestState.formatVersion else { return nil }
        for size in layout where input.scalar(UInt32.self) != size { return nil }
        guard let lastSeq = input.scalar(Int64.self), let records = input.scalar(Int64.self),
            let horizon = input.scalar(Int32.self), let lastHash = input.string(),
            let subjectArena = input.array(UInt8.self), let subjectOffsets = input.array(Int.self),
            let valueArena = input.array(UInt8.self), let valueOffsets = input.array(Int.self),
            let profiles = input.array(DigestProfile.self), let sightings = input.array(DigestSighting.self),
            let buckets = input.array(DigestBucket.self), let violationCount = input.scalar(Int64.self),
            subjectOffsets.first == 0, subjectOffsets.last == subjectArena.count, valueOffsets.first == 0,
            valueOffsets.last == valueArena.count, profiles.count == subjectOffsets.count - 1
        else { return nil }
        var state = DigestState(horizonHour: horizon)
        state.lastSeq = lastSeq
        state.records = records
        state.lastHash = lastHash
        state.subjects = ByteInterner(arena: subjectArena, offsets: subjectOffsets)
        state.values = ByteInterner(arena: valueArena, offsets: valueOffsets)
        state.profiles = profiles
        state.sightings = sightings
        state.buckets = buckets
        for _ in 0..<max(0, violationCount) {
            guard let raw = input.scalar(UInt8.self), let kind = ViolationKind(rawValue: raw),
                let subject = input.scalar(Int32.self),
                let value = input.scalar(Int32.self), let count = input.scalar(Int64.self), let first = input.scalar(Double.self),
                let last = input.scalar(Double.self), let seqs = input.array(Int64.self)
            else { return nil }
            state.violations[ViolationKey(kind: kind, subject: subject, value: value)] = ViolationAggregate(
                count: count, first: first, last: last, seqs: seqs)
        }
        guard let exchangeCount = input.scalar(Int64.self) else { return nil }
        for _ in 0..<max(0, exchangeCount) {
            guard let jti = input.string(), let subject = input.scalar(Int32.self), let count = input.scalar(Int64.self),
                let first = input.scalar(Double.self), let last = input.scalar(Double.self), let seqs = input.array(Int64.self)
            else { return nil }
            state.exchanges[jti] = ExchangeCount(subject: subject, count: count, first: first, last: last, seqs: seqs)
        }
        guard let sinkCount = input.scalar(Int64.self) else { return nil }
        for _ in 0..<max(0, sinkCount) {
            guard let sink = input.string(), let lagging = input.scalar(UInt8.self), let seq = input.scalar(Int64.self),
                let time = input.scalar(Double.self), let lag = input.scalar(Int64.self),
                let maximumLag = input.scalar(Int64.self)
            else { return nil }
            state.sinks[sink] = SinkMark(lagging: lagging == 1, seq: seq, time: time, lag: lag, maximumLag: maximumLag)
        }
        guard input.scalar(UInt32.self) == magic, valid(state) else { return nil }
        return state
    }

    /// Every link and id in range, so a damaged file cannot send a detector out of bounds.
    static func valid(_ state: DigestState) -> Bool {
        let subjects = Int32(state.profiles.count)
        let values = Int32(state.values.count)
        let sightings = Int32(state.sightings.count)
        let buckets = Int32(state.buckets.count)
        for profile in state.profiles {
            guard profile.sightings < sightings, profile.buckets < buckets else { return false }
        }
        for sighting in state.sightings {
            guard sighting.next < sightings, sighting.value < values, sighting.key >> 28 <= 2 else { return false }
        }
        for bucket in state.buckets where bucket.next >= buckets { return false }
        // The lists are disjoint: walking all of them visits each element at most once (no cycles).
        var sightingSteps = 0
        var bucketSteps = 0
        for profile in state.profiles {
            var index = profile.sightings
            while index >= 0 {
                sightingSteps += 1
                guard sightingSteps <= state.sightings.count else { return false }
                index = state.sightings[Int(index)].next
            }
            index = profile.buckets
            while index >= 0 {
                bucketSteps += 1
                guard bucketSteps <= state.buckets.count else { return false }
                index = state.buckets[Int(index)].next
            }
        }
        for key in state.violations.keys where key.subject >= subjects || key.subject < 0 || key.value >= values { return false }
        for entry in state.exchanges.values where entry.subject >= subjects || entry.subject < 0 { return false }
        return true
    }

    struct Writer {
        var data = Data()

        mutating func scalar<T: BitwiseCopyable>(_ value: T) {
            withUnsafeBytes(of: value) { data.append(contentsOf: $0) }
        }

        mutating func array<T: BitwiseCopyable>(_ values: [T]) {
            scalar(Int64(values.count))
            values.withUnsafeBytes { data.append(contentsOf: $0) }
        }

        mutating func string(_ text: String) { array(Array(text.utf8)) }
    }

    struct Reader {
        let data: Data
        var offset = 0

        mutating func scalar<T: BitwiseCopyable>(_: T.Type) -> T? {
            let size = MemoryLayout<T>.size
            guard offset + size <= data.count else { return nil }
            defer { offset += size }
            return data.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: T.self) }
        }

        mutating func array<T: BitwiseCopyable>(_: T.Type) -> [T]? {
            guard let count = scalar(Int64.self), count >= 0 else { return nil }
            let bytes = Int(count) * MemoryLayout<T>.stride
            guard count < Int64(Int32.max), offset + bytes <= data.count else { return nil }
            let values = [T](unsafeUninitializedCapacity: Int(count)) { buffer, initialized in
                data.withUnsafeBytes { source in
                    UnsafeMutableRawBufferPointer(buffer).copyMemory(
                        from: UnsafeRawBufferPointer(rebasing: source[offset..<(offset + bytes)]))
                }
                initialized = Int(count)
            }
            offset += bytes
            return values
        }

        mutating func string() -> String? { array(UInt8.self).map { String(decoding: $0, as: UTF8.self) } }
    }
}
