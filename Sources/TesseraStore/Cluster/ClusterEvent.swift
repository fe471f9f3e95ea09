import Foundation

/// A change one server tells the other servers sharing its database about, so they drop what they cached.
///
/// Events carry names, never secrets: the receiver re-reads the database. They are hints for caches; the
/// database stays the truth (a server that misses events re-reads everything on `resync`).
public struct ClusterEvent: Sendable, Equatable {
    /// What changed.
    public struct Kind: RawRepresentable, Hashable, Sendable {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }

        /// An identity was created or updated (suspended, retired, re-owned...): `subject` is its SPIFFE ID.
        public static let identityChanged = Kind(rawValue: "identity")
        /// Leases, entries or nodes changed what agents may serve (revocations): agents re-sync.
        public static let servingChanged = Kind(rawValue: "serving")
        /// Signing material changed (the X.509 CA was rotated): re-read keys and authorities from storage.
        public static let keysChanged = Kind(rawValue: "keys")
        /// An owner departed: `subject` is the owner's name.
        public static let ownerDeparted = Kind(rawValue: "owner")
        /// The listener lost its connection and may have missed events: drop every cache. Never published;
        /// made by the receiving bus itself.
        public static let resync = Kind(rawValue: "resync")
    }

    public let kind: Kind
    /// The SPIFFE ID, owner name or other key the event is about; empty when it concerns everything.
    public let subject: String
    /// The server that published it (receivers ignore their own events).
    public let origin: String

    public init(kind: Kind, subject: String, origin: String) {
        self.kind = kind
        self.subject = subject
        self.origin = origin
    }

    /// NOTIFY payloads are limited to 8,000 bytes; subjects longer than this are replaced by a resync.
    static let maximumSubjectLength = 2048
}
