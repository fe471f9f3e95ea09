/// One fact a workload must show to receive an entry's identity: `unix:uid:1000`, `unix:gid:1000`,
/// `unix:path:/usr/bin/app` or `unix:sha256:<hex of the executable>`.
public struct WorkloadSelector: Sendable, Hashable, Codable, CustomStringConvertible {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        case uid
        case gid
        case path
        case sha256
    }

    public let kind: Kind
    public let value: String

    /// Parses `unix:KIND:VALUE`, validating the value for its kind.
    public init(parsing text: String) throws(TesseraError) {
        let parts = text.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "unix" else {
            throw TesseraError(
                .invalidArgument, "selector must look like unix:uid:1000, unix:gid:N, unix:path:/p or unix:sha256:HEX")
        }
        guard let kind = Kind(rawValue: String(parts[1])) else {
            throw TesseraError(.invalidArgument, "unknown selector kind '\(parts[1].prefix(20))' (uid, gid, path, sha256)")
        }
        let value = String(parts[2])
        switch kind {
        case .uid, .gid:
            guard let number = UInt32(value), String(number) == value else {
                throw TesseraError(.invalidArgument, "unix:\(kind.rawValue) needs a decimal number")
            }
        case .path:
            guard value.hasPrefix("/"), value.utf8.count <= 4096, !value.utf8.contains(0) else {
                throw TesseraError(.invalidArgument, "unix:path needs an absolute path")
            }
        case .sha256:
            guard value.utf8.count == 64, value.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) })
            else {
                throw TesseraError(.invalidArgument, "unix:sha256 needs 64 lowercase hex digits")
            }
        }
        self.kind = kind
        self.value = value
    }

    public var description: String { "unix:\(kind.rawValue):\(value)" }

    /// Whether `process` shows this fact.
    public func matches(_ process: WorkloadProcess) -> Bool {
        switch kind {
        case .uid: return String(process.uid) == value
        case .gid: return String(process.gid) == value
        case .path: return process.executablePath == value
        case .sha256: return process.executableSHA256 == value
        }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do {
            try self.init(parsing: text)
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.reason)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
