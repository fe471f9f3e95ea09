import Foundation
import Hummingbird
import TesseraCore
import TesseraCrypto

/// An RFC 6749 §5.2 error response.
public struct OAuthError: Error, HTTPResponseError, Sendable, Equatable {
    public struct Code: RawRepresentable, Hashable, Sendable {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }

        public static let invalidRequest = Code(rawValue: "invalid_request")
        public static let invalidClient = Code(rawValue: "invalid_client")
        public static let invalidGrant = Code(rawValue: "invalid_grant")
        public static let unauthorizedClient = Code(rawValue: "unauthorized_client")
        public static let unsupportedGrantType = Code(rawValue: "unsupported_grant_type")
        public static let invalidScope = Code(rawValue: "invalid_scope")
        public static let invalidTarget = Code(rawValue: "invalid_target")
        public static let accessDenied = Code(rawValue: "access_denied")
        public static let serverError = Code(rawValue: "server_error")
        public static let temporarilyUnavailable = Code(rawValue: "temporarily_unavailable")
    }

    public let code: Code
    /// `error_description`: safe to show, never a secret.
    public let description: String
    public let status: HTTPResponse.Status
    /// The party the refused request proved to be (a verified credential, refused afterwards), for the audit record;
    /// never taken from unverified input. Not part of the response.
    public var verifiedParty: String? = nil

    public init(_ code: Code, _ description: String, status: HTTPResponse.Status? = nil) {
        self.code = code
        self.description = description
        self.status =
            status ?? (code == .invalidClient ? .unauthorized : code == .serverError ? .internalServerError : .badRequest)
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var json = JSONWriter()
        json.field("error", code.rawValue)
        json.field("error_description", description)
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        headers[.cacheControl] = "no-store"
        headers[.init("Pragma")!] = "no-cache"
        if status == .unauthorized {
            headers[.wwwAuthenticate] = "Bearer error=\"\(code.rawValue)\""
        }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: json.finish())))
    }
}
