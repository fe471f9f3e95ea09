/// Where a discovered identity was found: a kind of system (`postgres`, `openbao`, `aws`, `host`).
///
/// A struct over a string, not an enum: a new connector (Kubernetes, GitHub, a cloud's service accounts) adds a
/// constant and a connector, and nothing that stores, lists or reports discovered identities changes.
public struct DiscoverySource: RawRepresentable, Sendable, Codable, Hashable, Comparable, CustomStringConvertible {
    public let rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }

    public static let postgres = DiscoverySource(rawValue: "postgres")
    public static let openbao = DiscoverySource(rawValue: "openbao")
    public static let aws = DiscoverySource(rawValue: "aws")
    public static let host = DiscoverySource(rawValue: "host")

    /// The sources this build has connectors for.
    public static let known: [DiscoverySource] = [.postgres, .openbao, .aws, .host]

    /// Parses a source name, accepting only the sources this build knows.
    public init(validating raw: String) throws(TesseraError) {
        guard let known = Self.known.first(where: { $0.rawValue == raw }) else {
            let valid = Self.known.map(\.rawValue).joined(separator: ", ")
            throw TesseraError(.invalidIdentity, "unknown discovery source '\(raw.prefix(64))'; expected one of: \(valid)")
        }
        self = known
    }

    public var description: String { rawValue }
    public static func < (lhs: DiscoverySource, rhs: DiscoverySource) -> Bool { lhs.rawValue < rhs.rawValue }

    public init(from decoder: any Decoder) throws { rawValue = try decoder.singleValueContainer().decode(String.self) }
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}
