import Foundation

/// Messages between `tessera agent` and the server (`/agent/v1/...`, JSON). Binary values are base64.
///
/// Node authentication: attestation presents a one-time join token; every later call carries
/// `Authorization: SVID <proof>`, a short-lived JWS signed with the agent's node X.509-SVID key whose
/// header carries the SVID chain in `x5c` (see docs/spiffe.md).
public enum AgentAPI {
    /// The `typ` of a node proof JWS.
    public static let proofType = "tessera-node-proof+jwt"
    /// Longest lifetime of a node proof (seconds).
    public static let maximumProofLifetime = 120

    /// `POST /agent/v1/attest`: trade a join token and a CSR for the node's X.509-SVID.
    public struct AttestRequest: Codable, Sendable {
        public let joinToken: String
        public let csr: String
        public init(joinToken: String, csr: String) {
            self.joinToken = joinToken
            self.csr = csr
        }
        enum CodingKeys: String, CodingKey {
            case joinToken = "join_token"
            case csr
        }
    }

    /// `POST /agent/v1/renew`: a new node SVID for a CSR, authenticated by the current one.
    public struct RenewRequest: Codable, Sendable {
        public let csr: String
        public init(csr: String) { self.csr = csr }
    }

    /// An X.509-SVID chain (leaf first, base64 DER) and its expiry.
    public struct X509SVID: Codable, Sendable {
        public let entryID: String?
        public let spiffeID: String
        public let certificates: [String]
        public let expiresAt: Double
        /// The leaf's serial number in lowercase hex: the id of its lease.
        public let serial: String?
        public init(entryID: String?, spiffeID: String, certificates: [String], expiresAt: Double, serial: String? = nil) {
            self.entryID = entryID
            self.spiffeID = spiffeID
            self.certificates = certificates
            self.expiresAt = expiresAt
            self.serial = serial
        }
        enum CodingKeys: String, CodingKey {
            case entryID = "entry_id"
            case spiffeID = "spiffe_id"
            case certificates
            case expiresAt = "expires_at"
            case serial
        }
    }

    /// `GET /agent/v1/entries`: the registration entries of the calling node.
    public struct Entries: Codable, Sendable {
        public let entries: [RegistrationEntry]
        /// Serials (lowercase hex) of this node's X.509-SVIDs that were revoked before they expired: the agent
        /// stops serving them and asks for new ones.
        public let revokedSerials: [String]
        public init(entries: [RegistrationEntry], revokedSerials: [String] = []) {
            self.entries = entries
            self.revokedSerials = revokedSerials
        }
        enum CodingKeys: String, CodingKey {
            case entries
            case revokedSerials = "revoked_serials"
        }
        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            entries = try container.decode([RegistrationEntry].self, forKey: .entries)
            revokedSerials = try container.decodeIfPresent([String].self, forKey: .revokedSerials) ?? []
        }
    }

    /// `GET /agent/v1/watch?since=N`: answers once the server's change revision differs from `N` (or after
    /// a timeout with the same one), so agents learn of revocations at once without polling fast.
    public struct Watch: Codable, Sendable {
        public let revision: UInt64
        public init(revision: UInt64) { self.revision = revision }
    }

    /// `POST /agent/v1/x509-svids`: sign one CSR per entry.
    public struct X509SVIDBatchRequest: Codable, Sendable {
        public struct Item: Codable, Sendable {
            public let entryID: String
            public let csr: String
            public init(entryID: String, csr: String) {
                self.entryID = entryID
                self.csr = csr
            }
            enum CodingKeys: String, CodingKey {
                case entryID = "entry_id"
                case csr
            }
        }
        public let requests: [Item]
        public init(requests: [Item]) { self.requests = requests }
    }

    /// Reply to a batch: SVIDs for the entries that could be served, and why the others were refused.
    public struct X509SVIDBatch: Codable, Sendable {
        public let svids: [X509SVID]
        public let refused: [String: String]
        public init(svids: [X509SVID], refused: [String: String]) {
            self.svids = svids
            self.refused = refused
        }
    }

    /// `POST /agent/v1/jwt-svid`.
    public struct JWTSVIDRequest: Codable, Sendable {
        public let entryID: String
        public let audience: [String]
        public init(entryID: String, audience: [String]) {
            self.entryID = entryID
            self.audience = audience
        }
        enum CodingKeys: String, CodingKey {
            case entryID = "entry_id"
            case audience
        }
    }

    public struct JWTSVID: Codable, Sendable {
        public let spiffeID: String
        public let token: String
        public let expiresAt: Double
        public init(spiffeID: String, token: String, expiresAt: Double) {
            self.spiffeID = spiffeID
            self.token = token
            self.expiresAt = expiresAt
        }
        enum CodingKeys: String, CodingKey {
            case spiffeID = "spiffe_id"
            case token
            case expiresAt = "expires_at"
        }
    }

    /// `GET /agent/v1/bundles`: this trust domain's bundle and federated ones, each a SPIFFE bundle document
    /// (base64 of its JSON), keyed by trust domain name. Never merged.
    public struct Bundles: Codable, Sendable {
        public let trustDomain: String
        public let bundles: [String: String]
        public init(trustDomain: String, bundles: [String: String]) {
            self.trustDomain = trustDomain
            self.bundles = bundles
        }
        enum CodingKeys: String, CodingKey {
            case trustDomain = "trust_domain"
            case bundles
        }
    }

    /// The JSON encoder both sides use (dates as seconds since 1970).
    public static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .secondsSince1970
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    /// The JSON decoder both sides use.
    public static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .secondsSince1970
        return decoder
    }
}
