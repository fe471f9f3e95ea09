import Foundation
import Hummingbird

extension Response {
    /// A JSON response from already-serialized bytes.
    static func json(_ data: Data, status: HTTPResponse.Status = .ok, cacheable: Bool = false) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        if !cacheable {
            headers[.cacheControl] = "no-store"
            headers[.init("Pragma")!] = "no-cache"
        }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// A JSON response from an `Encodable` value.
    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        json(try JSONEncoder.api.encode(value), status: status)
    }
}
