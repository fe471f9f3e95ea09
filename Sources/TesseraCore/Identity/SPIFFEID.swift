/// A SPIFFE ID (`spiffe://trust-domain/path`), validated per the SPIFFE ID specification.
public struct SPIFFEID: Hashable, Sendable, Codable, CustomStringConvertible, Comparable {
    /// The trust domain name, e.g. `example.org`.
    public let trustDomain: String
    /// The path, empty or starting with `/`.
    public let path: String

    /// Maximum length of a SPIFFE ID in bytes (the specification's URI limit).
    public static let maximumLength = 2048

    public init(parsing string: String) throws(TesseraError) {
        guard string.utf8.count <= Self.maximumLength else {
            throw TesseraError(.invalidSPIFFEID, "SPIFFE ID is longer than \(Self.maximumLength) bytes")
        }
        let prefix = "spiffe://"
        guard string.hasPrefix(prefix) else {
            throw TesseraError(.invalidSPIFFEID, "SPIFFE ID must start with spiffe://")
        }
        let rest = string.dropFirst(prefix.count)
        let domain: Substring
        let path: Substring
        if let slash = rest.firstIndex(of: "/") {
            domain = rest[..<slash]
            path = rest[slash...]
        } else {
            domain = rest
            path = ""
        }
        try Self.validateTrustDomain(domain)
        if !path.isEmpty {
            guard path != "/" else { throw TesseraError(.invalidSPIFFEID, "SPIFFE ID path must not end with /") }
            for segment in path.dropFirst().split(separator: "/", omittingEmptySubsequences: false) {
                guard !segment.isEmpty else {
                    throw TesseraError(.invalidSPIFFEID, "SPIFFE ID path has an empty segment")
                }
                guard segment != ".", segment != ".." else {
                    throw TesseraError(.invalidSPIFFEID, "SPIFFE ID path must not contain . or .. segments")
                }
                for byte in segment.utf8 where !Self.isPathCharacter(byte) {
                    throw TesseraError(
                        .invalidSPIFFEID, "SPIFFE ID path may contain only letters, digits, '.', '-' and '_'")
                }
            }
        }
        self.trustDomain = String(domain)
        self.path = String(path)
    }

    /// Creates an ID in `trustDomain` with `path` (must start with `/` or be empty).
    public init(trustDomain: String, path: String) throws(TesseraError) {
        try self.init(parsing: "spiffe://\(trustDomain)\(path)")
    }

    /// Validates a trust domain name: lowercase letters, digits, `.`, `-`, `_`.
    public static func validateTrustDomain(_ domain: some StringProtocol) throws(TesseraError) {
        guard !domain.isEmpty else { throw TesseraError(.invalidSPIFFEID, "trust domain is empty") }
        guard domain.utf8.count <= 255 else { throw TesseraError(.invalidSPIFFEID, "trust domain is too long") }
        for byte in domain.utf8 {
            let ok =
                (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39) || byte == 0x2E || byte == 0x2D
                || byte == 0x5F
            guard ok else {
                throw TesseraError(
                    .invalidSPIFFEID, "trust domain may contain only lowercase letters, digits, '.', '-' and '_'")
            }
        }
        // No empty label: `example.org.` or `.example.org` would be a look-alike of `example.org` (attacker finding:
        // a federation with `example.org.` minted `spiffe://example.org./billing`).
        guard !domain.hasPrefix("."), !domain.hasSuffix("."), !domain.contains("..") else {
            throw TesseraError(.invalidSPIFFEID, "trust domain may not begin or end with '.' or contain '..'")
        }
    }

    private static func isPathCharacter(_ byte: UInt8) -> Bool {
        (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x30 && byte <= 0x39)
            || byte == 0x2E || byte == 0x2D || byte == 0x5F
    }

    public var description: String { "spiffe://\(trustDomain)\(path)" }

    public static func < (lhs: SPIFFEID, rhs: SPIFFEID) -> Bool { lhs.description < rhs.description }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let string = try container.decode(String.self)
        do {
            try self.init(parsing: string)
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.reason)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
