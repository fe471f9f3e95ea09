import Foundation
import TesseraCore

/// An X.509 CA of the trust domain as stored: the private key is sealed under the KEK.
public struct StoredX509Authority: Sendable, Equatable {
    public let id: String
    /// DER of the CA certificate.
    public let certificate: Data
    /// DER certificates above it (nearest first), concatenated as base64 lines; empty for a root.
    public let chain: [Data]
    public let sealedPrivateKey: Data
    public let notAfter: Date
    public let createdAt: Date
    /// `active` signs; `published` stays in the bundle (overlap after rotation); `retired` is gone.
    public let status: String

    public init(
        id: String, certificate: Data, chain: [Data], sealedPrivateKey: Data, notAfter: Date, createdAt: Date,
        status: String
    ) {
        self.id = id
        self.certificate = certificate
        self.chain = chain
        self.sealedPrivateKey = sealedPrivateKey
        self.notAfter = notAfter
        self.createdAt = createdAt
        self.status = status
    }
}

/// A node (host) running `tessera agent`.
public struct NodeRecord: Sendable, Equatable, Codable {
    public let id: String
    /// `pending` (token issued), `active` (attested) or `revoked`.
    public let status: String
    public let createdAt: Date
    public let attestedAt: Date?

    public init(id: String, status: String, createdAt: Date, attestedAt: Date?) {
        self.id = id
        self.status = status
        self.createdAt = createdAt
        self.attestedAt = attestedAt
    }

    enum CodingKeys: String, CodingKey {
        case id, status
        case createdAt = "created_at"
        case attestedAt = "attested_at"
    }
}

/// Another trust domain whose bundle this server fetches and hands to workloads.
public struct FederationRecord: Sendable, Equatable {
    public let trustDomain: String
    public let endpointURL: String
    /// The last bundle document fetched (JSON), if any.
    public let bundle: Data?
    public let fetchedAt: Date?
    public let lastError: String?
    public let createdAt: Date
    /// The bundle endpoint profile of the SPIFFE Federation specification: `https_web` (Web PKI) or `https_spiffe`
    /// (the endpoint presents an X.509-SVID, `endpointSPIFFEID`, verified with that ID's trust domain's bundle).
    public let profile: String
    public let endpointSPIFFEID: String?

    public init(
        trustDomain: String, endpointURL: String, bundle: Data?, fetchedAt: Date?, lastError: String?, createdAt: Date,
        profile: String = "https_web", endpointSPIFFEID: String? = nil
    ) {
        self.profile = profile
        self.endpointSPIFFEID = endpointSPIFFEID
        self.trustDomain = trustDomain
        self.endpointURL = endpointURL
        self.bundle = bundle
        self.fetchedAt = fetchedAt
        self.lastError = lastError
        self.createdAt = createdAt
    }
}
