import Foundation
import TesseraCore

/// The RFC 8693 §4.1 `act` claim, flattened: the acting parties, outermost (current) actor first.
///
/// `{"sub": "tool", "act": {"sub": "agent"}}` is `["tool", "agent"]`. Nesting deeper than
/// `maximumDepth` is refused while decoding, so a hostile token cannot recurse without bound.
public struct ActorChain: Sendable, Decodable, Equatable {
    /// Deepest nesting accepted on input.
    public static let maximumDepth = 16

    /// Subjects of the actors, outermost first.
    public let subjects: [String]

    public init(subjects: [String]) { self.subjects = subjects }

    /// Reads the chain from the `act` object: each level needs a non-empty `sub`; a nested `act` must be an object.
    public init(_ object: JOSEObject) throws(TesseraCryptoError) {
        var subjects: [String] = []
        var level = object
        while true {
            guard let sub = try level.string("sub"), !sub.isEmpty else {
                throw TesseraCryptoError(.malformedJWS, "act without sub")
            }
            subjects.append(sub)
            guard subjects.count <= Self.maximumDepth else { throw TesseraCryptoError(.malformedJWS, "act nests too deep") }
            guard let inner = level.members["act"] else { break }
            guard case .object(let members) = inner else { throw TesseraCryptoError(.malformedJWS, "act is not an object") }
            level = JOSEObject(members: members)
        }
        self.subjects = subjects
    }

    public init(from decoder: any Decoder) throws {
        var subjects: [String] = []
        var container = try decoder.container(keyedBy: Key.self)
        while true {
            guard let sub = try container.decodeIfPresent(String.self, forKey: .sub), !sub.isEmpty else {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "act without sub"))
            }
            subjects.append(sub)
            guard subjects.count <= Self.maximumDepth else {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "act nests too deep"))
            }
            guard container.contains(.act) else { break }
            container = try container.nestedContainer(keyedBy: Key.self, forKey: .act)
        }
        self.subjects = subjects
    }

    /// The nested JSON object (`{"sub": ..., "act": {...}}`), or `nil` for an empty chain.
    public func json() -> String? {
        var result: String? = nil
        for subject in subjects.reversed() {
            var writer = JSONWriter()
            writer.field("sub", subject)
            if let inner = result { writer.rawField("act", json: inner) }
            result = String(decoding: writer.finish(), as: UTF8.self)
        }
        return result
    }

    private enum Key: String, CodingKey { case sub, act }
}

/// The RFC 8693 §4.4 `may_act` claim: who may act for the subject.
public struct MayAct: Sendable, Decodable, Equatable {
    public let sub: String?
    public let iss: String?

    public init(sub: String?, iss: String?) {
        self.sub = sub
        self.iss = iss
    }
}
