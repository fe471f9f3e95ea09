import Foundation
import NIOHTTP1

/// Reads OpenBao/Vault's HTTP API with a token (`X-Vault-Token`): GET, LIST (`?list=true`) and the POST lookups.
/// Each answer is an ``Outcome``; transport failures, a sealed server and lasting throttling throw.
struct OpenBaoAPI: Sendable {
    enum Outcome: Sendable {
        case ok(OpenBaoValue)
        case notFound
        /// 403: the message the server gave.
        case denied(String)
        /// Any other failure: status and message.
        case failed(String)
    }

    let http: DiscoveryHTTPClient
    let address: OpenBaoAddress
    let token: String
    let namespace: String?

    func read(_ path: String) async throws -> Outcome { try await send(.GET, path) }

    /// A LIST: the `keys` it returns; a 404 is an empty listing.
    func list(_ path: String) async throws -> Outcome { try await send(.GET, path, query: "?list=true") }

    /// A POST with a JSON object of strings (the accessor lookups).
    func post(_ path: String, _ fields: [String: String]) async throws -> Outcome {
        let body = try JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys])
        return try await send(.POST, path, body: body)
    }

    private func send(_ method: HTTPMethod, _ path: String, query: String = "", body: Data? = nil) async throws -> Outcome {
        var headers = [("X-Vault-Token", token), ("Accept", "application/json")]
        if let namespace { headers.append(("X-Vault-Namespace", namespace)) }
        if body != nil { headers.append(("Content-Type", "application/json")) }
        let url = address.apiBase + OpenBaoAddress.encode(path: path) + query
        var delay: UInt64 = 250_000_000
        for attempt in 1...4 {
            let response = try await http.send(method: method, url: url, headers: headers, body: body)
            switch response.status {
            case 200, 204:
                guard !response.body.isEmpty else { return .ok(.null) }
                guard let value = OpenBaoValue.parse(response.body) else {
                    throw DiscoveryError(.malformed, source: "openbao", "\(path) answered something that is not JSON")
                }
                return .ok(value)
            case 404: return .notFound
            case 401:
                throw DiscoveryError(
                    .unauthenticated, source: "openbao",
                    "\(address.scope) refused the token on \(path) (401: \(Self.message(response.body)))")
            case 403: return .denied(Self.message(response.body))
            case 429 where attempt < 4:
                try await Task.sleep(nanoseconds: delay)
                delay *= 2
            case 429:
                throw DiscoveryError(
                    .throttled, source: "openbao", "\(address.scope) kept answering 429 (rate limit quota) on \(path)")
            case 503:
                throw DiscoveryError(
                    .unreachable, source: "openbao",
                    "\(address.scope) is sealed or not active (503: \(Self.message(response.body)))")
            default:
                return .failed("HTTP \(response.status): \(Self.message(response.body))")
            }
        }
        return .failed("no answer")
    }

    /// The server's `errors` list, joined and bounded (it never holds the token).
    static func message(_ body: Data) -> String {
        let errors = OpenBaoValue.parse(body)?["errors"].strings ?? []
        let text = errors.isEmpty ? "no message" : errors.joined(separator: "; ").replacingOccurrences(of: "\n", with: " ")
        return text.count > 200 ? String(text.prefix(200)) + "…" : text
    }
}
