import Foundation
import TesseraCore
import X509

/// A SPIFFE trust bundle: the X.509 and JWT authorities of one trust domain, in the SPIFFE bundle format
/// (a JWK Set with `use: x509-svid` entries carrying `x5c`, `use: jwt-svid` entries with a `kid`,
/// `spiffe_sequence` and `spiffe_refresh_hint`). Bundles of different trust domains are never merged.
public struct SPIFFEBundle: Sendable, Equatable {
    public let trustDomain: String
    /// DER-encoded X.509 authorities (root certificates).
    public let x509Authorities: [[UInt8]]
    /// JWT-SVID signing keys, each with a `kid`.
    public let jwtAuthorities: [JWK]
    /// Increases whenever the bundle changes.
    public let sequence: Int
    /// How often (seconds) relying parties should check for a new bundle.
    public let refreshHint: Int

    public init(trustDomain: String, x509Authorities: [[UInt8]], jwtAuthorities: [JWK], sequence: Int, refreshHint: Int) {
        self.trustDomain = trustDomain
        self.x509Authorities = x509Authorities
        self.jwtAuthorities = jwtAuthorities.map { jwk in
            var jwk = jwk
            jwk.use = "jwt-svid"
            jwk.alg = nil
            return jwk
        }
        self.sequence = sequence
        self.refreshHint = refreshHint
    }

    /// The trust domain as a SPIFFE ID (`spiffe://td`), the key used by the Workload API.
    public var trustDomainID: String { "spiffe://\(trustDomain)" }

    /// Every X.509 authority concatenated (DER), as the Workload API carries them.
    public var concatenatedX509DER: Data { Data(x509Authorities.joined()) }

    /// The JWT authorities as a plain JWK Set (JSON), as the Workload API carries them.
    public func jwtJWKSetJSON() -> Data {
        encode(Document(keys: jwtAuthorities.map { Entry(jwk: $0, use: "jwt-svid", x5c: nil) }, sequence: nil, refreshHint: nil))
    }

    /// The bundle document (JSON).
    public func json() -> Data {
        var keys: [Entry] = []
        for der in x509Authorities {
            guard let certificate = try? Certificate(derEncoded: der),
                let key = try? VerificationKey(certificatePublicKey: certificate.publicKey)
            else { continue }
            keys.append(Entry(jwk: key.jwk(), use: "x509-svid", x5c: [Data(der).base64EncodedString()], dropKid: true))
        }
        keys += jwtAuthorities.map { Entry(jwk: $0, use: "jwt-svid", x5c: nil) }
        return encode(Document(keys: keys, sequence: sequence, refreshHint: refreshHint))
    }

    /// Parses a bundle document for `trustDomain`. Unknown `use` values are ignored, as the format requires.
    public static func parse(_ data: Data, trustDomain: String) throws(TesseraCryptoError) -> SPIFFEBundle {
        guard data.count <= 1024 * 1024 else { throw TesseraCryptoError(.invalidBundle, "bundle is larger than 1 MiB") }
        let document: Document
        do {
            document = try JSONDecoder().decode(Document.self, from: data)
        } catch {
            throw TesseraCryptoError(.invalidBundle, "not a SPIFFE bundle (JWK Set) document")
        }
        var x509: [[UInt8]] = []
        var jwt: [JWK] = []
        for entry in document.keys {
            switch entry.use {
            case "x509-svid":
                guard let x5c = entry.x5c, x5c.count == 1, let der = Data(base64Encoded: x5c[0]),
                    (try? Certificate(derEncoded: Array(der))) != nil
                else {
                    throw TesseraCryptoError(.invalidBundle, "x509-svid entry must carry exactly one certificate in x5c")
                }
                x509.append(Array(der))
            case "jwt-svid":
                guard let kid = entry.kid, !kid.isEmpty else {
                    throw TesseraCryptoError(.invalidBundle, "jwt-svid entry must carry a kid")
                }
                let jwk = entry.jwk
                _ = try VerificationKey(jwk: jwk)
                jwt.append(jwk)
            default:
                continue
            }
        }
        return SPIFFEBundle(
            trustDomain: trustDomain, x509Authorities: x509, jwtAuthorities: jwt, sequence: document.sequence ?? 0,
            refreshHint: document.refreshHint ?? 300)
    }

    /// The X.509 authorities, parsed.
    public func x509Certificates() -> [Certificate] {
        x509Authorities.compactMap { try? Certificate(derEncoded: $0) }
    }

    private func encode(_ document: Document) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(document)) ?? Data("{\"keys\":[]}".utf8)
    }

    struct Document: Codable {
        var keys: [Entry]
        var sequence: Int?
        var refreshHint: Int?

        enum CodingKeys: String, CodingKey {
            case keys
            case sequence = "spiffe_sequence"
            case refreshHint = "spiffe_refresh_hint"
        }
    }

    struct Entry: Codable {
        var kty: String
        var crv: String?
        var x: String?
        var y: String?
        var n: String?
        var e: String?
        var kid: String?
        var use: String?
        var x5c: [String]?

        init(jwk: JWK, use: String, x5c: [String]?, dropKid: Bool = false) {
            kty = jwk.kty
            crv = jwk.crv
            x = jwk.x
            y = jwk.y
            n = jwk.n
            e = jwk.e
            kid = dropKid ? nil : jwk.kid
            self.use = use
            self.x5c = x5c
        }

        var jwk: JWK { JWK(kty: kty, crv: crv, x: x, y: y, n: n, e: e, kid: kid, use: use) }
    }
}
