import Foundation

/// Interns byte strings (subjects, scopes, sources, audiences, task and exception ids) as dense `Int32` ids,
/// without creating a `String` per lookup: one open-addressing table over FNV-1a hashes, the bytes kept in
/// one arena. The digest folds millions of records through it.
struct ByteInterner {
    private(set) var arena: [UInt8] = []
    /// String `i` is `arena[offsets[i] ..< offsets[i + 1]]`.
    private(set) var offsets: [Int] = [0]
    private var hashes: [UInt64] = []
    private var slots: [Int32] = Array(repeating: -1, count: 64)

    init() {}

    /// Rebuilds an interner from its arena and offsets (as written by `DigestCodec`).
    init(arena: [UInt8], offsets: [Int]) {
        self.arena = arena
        self.offsets = offsets
        let count = offsets.count - 1
        var capacity = 64
        while capacity < count * 2 + 2 { capacity <<= 1 }
        slots = Array(repeating: -1, count: capacity)
        hashes.reserveCapacity(count)
        arena.withUnsafeBytes { bytes in
            for id in 0..<count {
                let hash = Self.hash(bytes.baseAddress! + offsets[id], offsets[id + 1] - offsets[id])
                hashes.append(hash)
                insertSlot(Int32(id), hash: hash)
            }
        }
    }

    var count: Int { offsets.count - 1 }

    static func hash(_ pointer: UnsafeRawPointer, _ count: Int) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for index in 0..<count {
            hash = (hash ^ UInt64(pointer.load(fromByteOffset: index, as: UInt8.self))) &* 0x100_0000_01b3
        }
        return hash ^ (hash >> 29)
    }

    /// The id of the bytes, adding them if new.
    mutating func intern(_ pointer: UnsafeRawPointer, _ count: Int) -> Int32 {
        let hash = Self.hash(pointer, count)
        if let id = find(pointer, count, hash: hash) { return id }
        let id = Int32(self.count)
        arena.append(contentsOf: UnsafeRawBufferPointer(start: pointer, count: count))
        offsets.append(arena.count)
        hashes.append(hash)
        if (self.count + 1) * 2 > slots.count { grow() } else { insertSlot(id, hash: hash) }
        return id
    }

    mutating func intern(_ text: String) -> Int32 {
        var text = text
        return text.withUTF8 { intern(UnsafeRawPointer($0.baseAddress ?? UnsafePointer(bitPattern: 1)!), $0.count) }
    }

    /// The id of the bytes, if interned.
    func lookup(_ pointer: UnsafeRawPointer, _ count: Int) -> Int32? { find(pointer, count, hash: Self.hash(pointer, count)) }

    func lookup(_ text: String) -> Int32? {
        var text = text
        return text.withUTF8 { lookup(UnsafeRawPointer($0.baseAddress ?? UnsafePointer(bitPattern: 1)!), $0.count) }
    }

    func string(_ id: Int32) -> String {
        let id = Int(id)
        return arena.withUnsafeBufferPointer { String(decoding: $0[offsets[id]..<offsets[id + 1]], as: UTF8.self) }
    }

    private func find(_ pointer: UnsafeRawPointer, _ count: Int, hash: UInt64) -> Int32? {
        slots.withUnsafeBufferPointer { slots in
            arena.withUnsafeBytes { arena in
                let mask = slots.count - 1
                var index = Int(truncatingIfNeeded: hash) & mask
                while true {
                    let id = slots[index]
                    if id < 0 { return nil }
                    let start = offsets[Int(id)]
                    if hashes[Int(id)] == hash, offsets[Int(id) + 1] - start == count,
                        count == 0 || memcmp(arena.baseAddress! + start, pointer, count) == 0
                    {
                        return id
                    }
                    index = (index + 1) & mask
                }
            }
        }
    }

    private mutating func insertSlot(_ id: Int32, hash: UInt64) {
        let mask = slots.count - 1
        var index = Int(truncatingIfNeeded: hash) & mask
        while slots[index] >= 0 { index = (index + 1) & mask }
        slots[index] = id
    }

    private mutating func grow() {
        slots = Array(repeating: -1, count: slots.count * 2)
        for id in 0..<count { insertSlot(Int32(id), hash: hashes[id]) }
    }
}
