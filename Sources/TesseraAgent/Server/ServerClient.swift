import AsyncHTTPClient
import Crypto
import Foundation
import NIOCore
import TesseraCore
import TesseraCrypto
import X509

/// The agent's HTTP client for the server's agent API. After attestation every call carries a fresh node
/// proof signed with the node SVID key.
///
/// AsyncHTTPClient, not FoundationNetworking's URLSession: cancelling a task with a URLSession request in flight (the
/// agent stopping during its long-poll) ran URLSession's cancellation handler, a `DispatchQueue.sync`, under the
/// task's status lock, and deadlocked the cooperative pool (docs/testing.md).
struct ServerClient: Sendable {
    let base: URL
    let clock: any TimeSource
    /// Deadline of one call, the long-poll included.
    static let timeout: TimeAmount = .seconds(15)
    /// Largest reply read (a batch of SVID chains and bundles).
    static let maximumReply = 8 * 1024 * 1024

    init(base: URL, clock: any TimeSource) {
        self.base = base
        self.clock = clock
    }

    /// The `aud` of node proofs: the server's agent API.
    var proofAudience: String {
        var text = base.absoluteString
        while text.hasSuffix("/") { text.removeLast() }
        return text + "/agent"
    }

    func attest(joinToken: String, key: P256.Signing.PrivateKey) async throws -> [Certificate] {
        let csr = try CertificateRequest.make(for: key)
        let reply: AgentAPI.X509SVID = try await send(
            "POST", "attest", body: AgentAPI.AttestRequest(joinToken: joinToken, csr: Data(csr).base64EncodedString()), node: nil)
        return try Self.chain(reply)
    }

    func renew(node: NodeCredential, newKey: P256.Signing.PrivateKey) async throws -> [Certificate] {
        let csr = try CertificateRequest.make(for: newKey)
        let reply: AgentAPI.X509SVID = try await send(
            "POST", "renew", body: AgentAPI.RenewRequest(csr: Data(csr).base64EncodedString()), node: node)
        return try Self.chain(reply)
    }

    func entries(node: NodeCredential) async throws -> AgentAPI.Entries {
        try await send("GET", "entries", body: Optional<AgentAPI.RenewRequest>.none, node: node)
    }

    /// Long-polls the server's change revision (answers when it differs from `since`, or after ~10 s).
    func watch(node: NodeCredential, since: UInt64) async throws -> UInt64 {
        let reply: AgentAPI.Watch = try await send(
            "GET", "watch", query: "since=\(since)", body: Optional<AgentAPI.RenewRequest>.none, node: node)
        return reply.revision
    }

    func bundles(node: NodeCredential) async throws -> [String: SPIFFEBundle] {
        let reply: AgentAPI.Bundles = try await send("GET", "bundles", body: Optional<AgentAPI.RenewRequest>.none, node: node)
        var bundles: [String: SPIFFEBundle] = [:]
        for (domain, encoded) in reply.bundles {
            guard let data = Data(base64Encoded: encoded), let bundle = try? SPIFFEBundle.parse(data, trustDomain: domain) else {
                continue
            }
            bundles[domain] = bundle
        }
        return bundles
    }

    func x509SVIDs(node: NodeCredential, requests: [AgentAPI.X509SVIDBatchRequest.Item]) async throws -> AgentAPI.X509SVIDBatch {
        try await send("POST", "x509-svids", body: AgentAPI.X509SVIDBatchRequest(requests: requests), node: node)
    }

    func jwtSVID(node: NodeCredential, entryID: String, audience: [String]) async throws -> AgentAPI.JWTSVID {
        try await send("POST", "jwt-svid", body: AgentAPI.JWTSVIDRequest(entryID: entryID, audience: audience), node: node)
    }

    static func chain(_ svid: AgentAPI.X509SVID) throws -> [Certificate] {
        let der = svid.certificates.compactMap { Data(base64Encoded: $0) }.map { Array($0) }
        guard der.count == svid.certificates.count, !der.isEmpty else {
            throw AgentError(.serverRefused, "server sent a malformed certificate chain")
        }
        return try X509SVIDVerifier.parse(der: der)
    }

    private func send<Body: Encodable, Reply: Decodable>(
        _ method: String, _ path: String, query: String? = nil, body: Body?, node: NodeCredential?
    ) async throws -> Reply {
        var url = base.appendingPathComponent("agent/v1/\(path)")
        if let query, let withQuery = URL(string: url.absoluteString + "?" + query) { url = withQuery }
        var request = HTTPClientRequest(url: url.absoluteString)
        request.method = .init(rawValue: method)
        var bytes = Data()
        if let body {
            bytes = try AgentAPI.encoder().encode(body)
            request.body = .bytes(ByteBuffer(bytes: bytes))
            request.headers.add(name: "Content-Type", value: "application/json")
        }
        if let node {
            // A fresh proof per request, bound to its method, path and body; the server accepts each once.
            let binding = NodeProof.Binding(method: method, path: "/agent/v1/\(path)", body: bytes)
            let proof = try NodeProof.sign(
                key: node.key, chain: node.chain, audience: proofAudience, binding: binding, now: clock.now())
            request.headers.add(name: "Authorization", value: "SVID \(proof)")
        }
        let data: Data
        let status: Int
        do {
            let response = try await HTTPClient.shared.execute(request, timeout: Self.timeout)
            status = Int(response.status.code)
            data = Data(try await response.body.collect(upTo: Self.maximumReply).readableBytesView)
        } catch {
            throw AgentError(.serverUnreachable, "cannot reach \(base.absoluteString): \(error)")
        }
        guard (200..<300).contains(status) else {
            let detail = (try? JSONSerialization.jsonObject(with: data) as? [String: Any])?["detail"] as? String
            throw AgentError(
                status == 403 ? .serverDenied : .serverRefused, "server answered \(status) to \(path): \(detail ?? "no detail")")
        }
        do {
            return try AgentAPI.decoder().decode(Reply.self, from: data)
        } catch {
            throw AgentError(.serverRefused, "server sent a malformed \(path) reply")
        }
    }
}
