import Foundation
import Hummingbird
import MCP

/// Converts between Hummingbird requests and responses and the SDK's framework-agnostic HTTP types, so any of the
/// SDK's HTTP server transports can sit behind a Hummingbird route.
public enum HTTPBridge {
    /// Largest accepted MCP request body.
    public static let maximumBody = 4 << 20

    /// The SDK's view of a Hummingbird request (headers joined per name, body collected).
    public static func request(_ request: Request) async throws -> MCP.HTTPRequest {
        var headers: [String: String] = [:]
        for field in request.headers {
            let name = field.name.canonicalName
            headers[name] = headers[name].map { $0 + ", " + field.value } ?? field.value
        }
        let buffer = try await request.body.collect(upTo: maximumBody)
        return MCP.HTTPRequest(
            method: request.method.rawValue, headers: headers, body: Data(buffer.readableBytesView), path: request.uri.path)
    }

    /// A Hummingbird response for the SDK's answer; SSE streams are passed through as they are produced.
    public static func response(_ answer: MCP.HTTPResponse) -> Response {
        var headers = HTTPFields()
        for (name, value) in answer.headers {
            if let field = HTTPFields.Element.Name(name) { headers[field] = value }
        }
        let status = HTTPResponse.Status(code: answer.statusCode)
        if case .stream(let stream, _) = answer {
            return Response(
                status: status, headers: headers, body: ResponseBody(asyncSequence: stream.map { ByteBuffer(bytes: $0) }))
        }
        let body = answer.bodyData.map { ResponseBody(byteBuffer: ByteBuffer(bytes: $0)) } ?? ResponseBody()
        return Response(status: status, headers: headers, body: body)
    }

    /// A JSON-RPC error answer outside any MCP session (no id), e.g. for a missing token.
    public static func error(status: HTTPResponse.Status, code: Int, message: String, headers extra: HTTPFields = [:]) -> Response
    {
        let object: [String: Any] = ["jsonrpc": "2.0", "id": NSNull(), "error": ["code": code, "message": message]]
        let data = (try? JSONSerialization.data(withJSONObject: object)) ?? Data()
        var headers = extra
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }
}
