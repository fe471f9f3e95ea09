import Foundation

/// Which workloads on which node receive which SPIFFE ID: the node's agent hands `spiffeID` to processes
/// that match every selector.
public struct RegistrationEntry: Sendable, Equatable, Codable {
    /// Opaque identifier (`ent_...`).
    public let id: String
    public let spiffeID: SPIFFEID
    /// The node (agent) that serves this entry.
    public let nodeID: String
    /// All must match; never empty.
    public let selectors: [WorkloadSelector]
    /// X.509-SVID lifetime (seconds).
    public let x509TTL: Int
    /// JWT-SVID lifetime (seconds).
    public let jwtTTL: Int
    public let createdAt: Date

    public init(
        id: String, spiffeID: SPIFFEID, nodeID: String, selectors: [WorkloadSelector], x509TTL: Int, jwtTTL: Int,
        createdAt: Date
    ) {
        self.id = id
        self.spiffeID = spiffeID
        self.nodeID = nodeID
        self.selectors = selectors
        self.x509TTL = x509TTL
        self.jwtTTL = jwtTTL
        self.createdAt = createdAt
    }

    enum CodingKeys: String, CodingKey {
        case id
        case spiffeID = "spiffe_id"
        case nodeID = "node_id"
        case selectors
        case x509TTL = "x509_ttl"
        case jwtTTL = "jwt_ttl"
        case createdAt = "created_at"
    }

    /// Whether `process` shows every selector of this entry.
    public func matches(_ process: WorkloadProcess) -> Bool {
        !selectors.isEmpty && selectors.allSatisfy { $0.matches(process) }
    }

    /// Creates a new opaque entry id.
    public static func newID() -> String { "ent_" + RandomToken.hex(bytes: 12) }

    /// Validates a node id: 1 to 64 letters, digits, `.`, `-`, `_` (it becomes a SPIFFE ID path segment).
    public static func validateNodeID(_ id: String) throws(TesseraError) {
        guard (1...64).contains(id.utf8.count),
            id.utf8.allSatisfy({ b in
                (0x30...0x39).contains(b) || (0x41...0x5A).contains(b) || (0x61...0x7A).contains(b) || b == 0x2D || b == 0x2E
                    || b == 0x5F
            }), id != ".", id != ".."
        else {
            throw TesseraError(.invalidArgument, "node id must be 1-64 letters, digits, '.', '-' or '_'")
        }
    }
}
