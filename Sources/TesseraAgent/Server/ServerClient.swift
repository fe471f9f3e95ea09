import Crypto
import Foundation
import TesseraCore
import TesseraCrypto
import X509
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The agent's HTTP client for the server's agent API. After attestation every call carries a fresh node
/// proof signed with the node SVID key.
struct ServerClient: Sendable {
    let base: URL
    let clock: any TimeSource
    let session: URLSession

    init(base: URL, clock: any TimeSource) {
        self.base = base
        self.clock = clock
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = 15
        self.session = URLSession(configuration: configuration)
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
        var request = URLRequest(url: url)
        request.httpMethod = method
        var bytes = Data()
        if let body {
            bytes = try AgentAPI.encoder().encode(body)
            request.httpBody = bytes
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        if let node {
            // A fresh proof per request, bound to its method, path and body; the server accepts each once.
            let binding = NodeProof.Binding(method: method, path: "/agent/v1/\(path)", body: bytes)
            let proof = try NodeProof.sign(
                key: node.key, chain: node.chain, audience: proofAudience, binding: binding, now: clock.now())
            request.setValue("SVID \(proof)", forHTTPHeaderField: "Authorization")
        }
        let data: Data
        let response: URLResponse
        do {
            (data, response) = try await session.data(for: request)
        } catch {
            throw AgentError(.serverUnreachable, "cannot reach \(base.absoluteString): \(error.localizedDescription)")
        }
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
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
