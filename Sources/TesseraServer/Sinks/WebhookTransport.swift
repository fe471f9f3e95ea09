import AsyncHTTPClient
import Crypto
import Foundation
import NIOCore
import NIOSSL
import TesseraCore

/// A webhook sink: each batch is one `POST` of JSON lines (`application/x-ndjson`), signed with
/// `X-Tessera-Signature: sha256=<hex HMAC-SHA256 of the body>` under the key file's key, and acknowledged by a 2xx
/// answer. Redirects are not followed; anything else fails the batch, which is retried.
struct WebhookTransport: AuditSinkTransport {
    private let url: String
    private let key: SymmetricKey?
    private let authorization: String?
    private let client: HTTPClient
    static let timeout: TimeAmount = .seconds(15)

    init(_ spec: AuditSinkSpec) throws {
        url = spec.target
        key = spec.signingKey.map { SymmetricKey(data: $0) }
        authorization = spec.authorization
        var configuration = HTTPClient.Configuration(redirectConfiguration: .disallow)
        if let caFile = spec.caFile {
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.trustRoots = .file(caFile)
            configuration.tlsConfiguration = tls
        }
        configuration.timeout = .init(connect: .seconds(5), read: Self.timeout)
        client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }

    /// `sha256=` and the hex HMAC-SHA256 of `body` under `key`.
    static func signature(of body: Data, key: SymmetricKey) -> String {
        "sha256=" + Hex.encode(HMAC<SHA256>.authenticationCode(for: body, using: key))
    }

    func deliver(_ messages: [String]) async throws {
        let body = Data((messages.joined(separator: "\n") + "\n").utf8)
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-ndjson")
        request.headers.add(name: "X-Tessera-Records", value: "\(messages.count)")
        if let key { request.headers.add(name: "X-Tessera-Signature", value: Self.signature(of: body, key: key)) }
        if let authorization { request.headers.add(name: "Authorization", value: authorization) }
        request.body = .bytes(ByteBuffer(bytes: body))
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request, timeout: Self.timeout)
        } catch {
            throw AuditSinkDeliveryError(description: "webhook unreachable: \(error)")
        }
        _ = try? await response.body.collect(upTo: 64 * 1024)
        guard (200..<300).contains(Int(response.status.code)) else {
            throw AuditSinkDeliveryError(description: "webhook answered \(response.status.code)")
        }
    }

    func close() async {
        try? await client.shutdown()
    }
}
