import Foundation
import Hummingbird
import TesseraCore

/// An `application/x-www-form-urlencoded` body (RFC 6749 §3.2, appendix B), parsed strictly.
public struct FormBody: Sendable {
    public let values: [String: String]

    /// Longest parameter name accepted. OAuth's are short; a long name would only cost hashing (a Swift `String` is
    /// hashed after Unicode normalisation, which a run of combining marks makes slow).
    public static let maximumNameLength = 64

    /// Parses `bytes`; repeated parameters, malformed escapes, over-long names and NUL characters are errors
    /// (RFC 6749 §3.1; no OAuth parameter contains a NUL, and SQLite would cut a string at one).
    public init(parsing bytes: some Collection<UInt8>) throws(OAuthError) {
        var values: [String: String] = [:]
        guard !bytes.isEmpty else {
            self.values = [:]
            return
        }
        for pair in bytes.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            let parts = pair.split(separator: UInt8(ascii: "="), maxSplits: 1, omittingEmptySubsequences: false)
            let rawValue = parts.count > 1 ? Array(parts[1]) : []
            guard let name = Self.decode(parts[0]), let value = Self.decode(rawValue) else {
                throw OAuthError(.invalidRequest, "malformed form encoding")
            }
            guard !name.isEmpty else { throw OAuthError(.invalidRequest, "empty parameter name") }
            guard name.utf8.count <= Self.maximumNameLength else {
                throw OAuthError(.invalidRequest, "a parameter name is longer than \(Self.maximumNameLength) bytes")
            }
            guard values[name] == nil else {
                throw OAuthError(.invalidRequest, "parameter '\(name.prefix(40))' is repeated")
            }
            values[name] = value
        }
        self.values = values
    }

    public subscript(_ name: String) -> String? { values[name] }

    /// A non-empty value or `nil`: RFC 6749 treats empty parameters as omitted.
    public func nonEmpty(_ name: String) -> String? {
        guard let value = values[name], !value.isEmpty else { return nil }
        return value
    }

    private static func decode(_ bytes: some Collection<UInt8>) -> String? {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var iterator = bytes.makeIterator()
        while let byte = iterator.next() {
            switch byte {
            case UInt8(ascii: "+"): out.append(0x20)
            case UInt8(ascii: "%"):
                guard let high = iterator.next().flatMap(Hex.value), let low = iterator.next().flatMap(Hex.value) else {
                    return nil
                }
                let decoded = high << 4 | low
                guard decoded != 0 else { return nil }
                out.append(decoded)
            case 0: return nil
            default: out.append(byte)
            }
        }
        guard let string = String(validating: out, as: UTF8.self) else { return nil }
        return string
    }
}

extension Request {
    /// Reads a form body for an OAuth endpoint, mapping every transport problem to an RFC 6749 error.
    func oauthForm(limit: Int) async throws(OAuthError) -> FormBody {
        let contentType = headers[.contentType]?.lowercased() ?? ""
        guard contentType.hasPrefix("application/x-www-form-urlencoded") else {
            throw OAuthError(.invalidRequest, "content type must be application/x-www-form-urlencoded")
        }
        let buffer: ByteBuffer
        do {
            buffer = try await body.collect(upTo: limit)
        } catch {
            throw OAuthError(.invalidRequest, "request body is larger than \(limit) bytes", status: .contentTooLarge)
        }
        return try FormBody(parsing: buffer.readableBytesView)
    }
}
