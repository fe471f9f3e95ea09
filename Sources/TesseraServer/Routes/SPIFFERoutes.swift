import Foundation
import Hummingbird
import TesseraAudit
import TesseraCore
import TesseraCrypto

/// Unauthenticated bundle endpoint (`GET /bundle`, `GET /.well-known/spiffe-bundle`) and the agent API
/// (`/agent/v1/...`: join-token attestation, then node proofs).
struct SPIFFERoutes {
    let state: TrustDomainState
    let agents: AgentService
    let maximumBodySize: Int

    func register(in router: Router<TesseraRequestContext>) {
        for path in ["bundle", ".well-known/spiffe-bundle"] {
            router.get(RouterPath(path)) { _, _ in
                let authority = state.authority
                var response = Response.json(authority.bundle.json(), cacheable: true)
                response.headers[.cacheControl] = "public, max-age=\(authority.bundle.refreshHint)"
                return response
            }
        }
        let agent = router.group("agent/v1")
        agent.post("attest") { request, context in
            let body: AgentAPI.AttestRequest = try decode(Data(buffer: try await request.body.collect(upTo: maximumBodySize * 8)))
            return try encode(try await agents.attest(body, source: context.remoteAddress))
        }
        agent.post("renew") { request, _ in
            let (node, proof, body) = try await authenticated(request, "POST", "renew", recorded: true)
            return try await recording(proof) {
                let renewal: AgentAPI.RenewRequest = try decode(body)
                return try encode(try await agents.renew(node: node, csr: renewal.csr, proof: proof))
            }
        }
        agent.get("entries") { request, _ in
            let (node, _, _) = try await authenticated(request, "GET", "entries")
            return try encode(try await agents.entries(node: node))
        }
        agent.get("watch") { request, _ in
            _ = try await authenticated(request, "GET", "watch")
            let since = request.uri.queryParameters["since"].flatMap { UInt64($0) } ?? 0
            let revision = await agents.changes.wait(since: since, timeout: .seconds(10))
            return try encode(AgentAPI.Watch(revision: revision))
        }
        agent.get("bundles") { request, _ in
            _ = try await authenticated(request, "GET", "bundles")
            return try encode(try await agents.bundles())
        }
        agent.post("x509-svids") { request, _ in
            let (node, proof, body) = try await authenticated(request, "POST", "x509-svids", recorded: true)
            return try await recording(proof) {
                let batch: AgentAPI.X509SVIDBatchRequest = try decode(body)
                return try encode(try await agents.issueX509(node: node, request: batch, proof: proof))
            }
        }
        agent.post("jwt-svid") { request, _ in
            let (node, _, body) = try await authenticated(request, "POST", "jwt-svid")
            let jwt: AgentAPI.JWTSVIDRequest = try decode(body)
            return try encode(try await agents.issueJWT(node: node, request: jwt))
        }
    }

    /// Reads the body and authenticates the node proof bound to this method, route and body.
    /// The route's own path is used (not the request's), so a proof is valid for exactly one agent API call.
    /// `recorded`: the route stores the proof's key with its audit record (`AgentService.authenticate`).
    private func authenticated(
        _ request: Request, _ method: String, _ route: String, recorded: Bool = false
    ) async throws -> (String, ReplayGuard?, Data) {
        let body = Data(buffer: try await request.body.collect(upTo: maximumBodySize * 8))
        let binding = NodeProof.Binding(method: method, path: "/agent/v1/" + route, body: body)
        let (node, proof) = try await agents.authenticate(
            authorization: request.headers[.authorization], binding: binding, recorded: recorded)
        return (node, proof, body)
    }

    /// Runs a route whose record carries the node proof's key; when it fails before (or without) that record, the key
    /// is stored on its own, so no restart accepts the proof again (attacker review).
    private func recording(_ proof: ReplayGuard?, _ body: () async throws -> Response) async throws -> Response {
        do {
            return try await body()
        } catch {
            try? await agents.claimDurably(proof)
            throw error
        }
    }

    private func decode<T: Decodable>(_ body: Data) throws -> T {
        do {
            return try AgentAPI.decoder().decode(T.self, from: body)
        } catch {
            throw ProblemDetails.badRequest("malformed agent request body")
        }
    }

    private func encode(_ value: some Encodable) throws -> Response {
        Response.json(try AgentAPI.encoder().encode(value))
    }
}

extension AgentService {
    /// This trust domain's bundle and every federated one that has been fetched, never merged.
    func bundles() async throws -> AgentAPI.Bundles {
        let authority = state.authority
        var bundles = [authority.ca.trustDomain: authority.bundle.json().base64EncodedString()]
        for record in try await repository.federations() {
            if let bundle = record.bundle { bundles[record.trustDomain] = bundle.base64EncodedString() }
        }
        return AgentAPI.Bundles(trustDomain: authority.ca.trustDomain, bundles: bundles)
    }
}
