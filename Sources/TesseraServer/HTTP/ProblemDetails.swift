import Foundation
import Hummingbird
import TesseraCore

/// An RFC 9457 problem details response for the admin API.
public struct ProblemDetails: Error, HTTPResponseError, Sendable {
    public let status: HTTPResponse.Status
    /// A short, stable summary of the problem type.
    public let title: String
    /// What went wrong with this request, safe to show.
    public let detail: String
    /// A URI reference naming the problem type.
    public let type: String

    public init(_ status: HTTPResponse.Status, _ title: String, detail: String, type: String? = nil) {
        self.status = status
        self.title = title
        self.detail = detail
        self.type = type ?? "https://tessera.dev/problems/\(title.lowercased().replacingOccurrences(of: " ", with: "-"))"
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let body = ProblemBody(type: type, title: title, status: status.code, detail: detail, instance: request.uri.path)
        let data = try JSONEncoder.api.encode(body)
        var headers = HTTPFields()
        headers[.contentType] = "application/problem+json"
        headers[.cacheControl] = "no-store"
        if status == .unauthorized { headers[.wwwAuthenticate] = "Bearer realm=\"tessera-admin\"" }
        if status == .serviceUnavailable { headers[.retryAfter] = "1" }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    public static func badRequest(_ detail: String) -> ProblemDetails {
        ProblemDetails(.badRequest, "Invalid request", detail: detail)
    }

    public static func notFound(_ detail: String) -> ProblemDetails {
        ProblemDetails(.notFound, "Not found", detail: detail)
    }
}

extension JSONEncoder {
    /// The encoder for API responses: sorted keys, ISO 8601 dates.
    static let api: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(ISO8601.format(date))
        }
        return encoder
    }()
}

private struct ProblemBody: Encodable {
    let type: String
    let title: String
    let status: Int
    let detail: String
    let instance: String
}
