import Foundation

/// A request as AWS Signature Version 4 sees it: method, path (decoded: `/example space/`), query string as written
/// (`Param1=value1&Param2=value2`, without `?`), headers in order (repeats allowed) and body.
public struct SigV4Request: Sendable, Equatable {
    public struct Header: Sendable, Equatable {
        public let name: String
        public let value: String

        public init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    public let method: String
    public let path: String
    public let query: String
    public let headers: [Header]
    public let body: Data

    public init(method: String, path: String, query: String = "", headers: [Header], body: Data = Data()) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
    }

    /// The first value of a header (names compare without case).
    public func header(_ name: String) -> String? {
        headers.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
    }

    /// The same request with one more header.
    public func adding(_ name: String, _ value: String) -> SigV4Request {
        SigV4Request(method: method, path: path, query: query, headers: headers + [Header(name, value)], body: body)
    }
}
