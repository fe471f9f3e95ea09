/// The members of a JSON object read by `JOSEJSON`, keyed by the UTF-8 bytes of their names (RFC 8259 §8.3: names
/// compare code unit by code unit). Hashing bytes costs the same whatever the characters; a Swift `String` key would be
/// normalised first.
public struct JOSEMembers: Sendable, Equatable {
    private let storage: [[UInt8]: JOSEJSON]

    init(_ storage: [[UInt8]: JOSEJSON]) { self.storage = storage }

    /// The member named `name`, if present.
    public subscript(_ name: String) -> JOSEJSON? { storage[Array(name.utf8)] }

    public var count: Int { storage.count }

    /// The members' names and values, in no particular order.
    public var all: [(name: String, value: JOSEJSON)] {
        storage.map { (String(decoding: $0.key, as: UTF8.self), $0.value) }
    }
}
