import Foundation

/// Talks to a Tessera server's tool-call authorization API with the agent's bearer token.
///
/// 401 and 403 answers become ``MCPGatewayError/Code/unauthorized`` and ``MCPGatewayError/Code/forbidden`` with the
/// server's problem-details text; a server that cannot be reached or answers something else becomes
/// ``MCPGatewayError/Code/serverUnavailable``. The token is never part of an error message.
public struct TesseraAuthorizationClient: ToolAuthorizer {
    public let base: URL
    private let timeout: TimeInterval

    /// - Parameters:
    ///   - base: The Tessera server, e.g. `http://127.0.0.1:8443`.
    ///   - timeout: Seconds to wait for one answer.
    public init(base: URL, timeout: TimeInterval = 15) {
        self.base = base
        self.timeout = timeout
    }

    /// Parses `--server`: an `http` or `https` URL with a host.
    public static func baseURL(_ text: String) throws(MCPGatewayError) -> URL {
        let trimmed = text.hasSuffix("/") ? String(text.dropLast()) : text
        guard let url = URL(string: trimmed), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
            url.host?.isEmpty == false
        else {
            throw MCPGatewayError(
                .invalidConfiguration, "--server must be an http(s) URL such as http://127.0.0.1:8443, got '\(text)'")
        }
        return url
    }

    public func catalogue(token: String) async throws -> ToolCatalogue {
        try await exchange("GET", "/v1/authorize/tools", body: nil, token: token)
    }

    public func authorize(_ request: ToolCallRequest, token: String) async throws -> ToolCallDecision {
        let body: Data
        do {
            body = try JSONEncoder().encode(request)
        } catch {
            throw MCPGatewayError(.invalidConfiguration, "the call's arguments cannot be encoded as JSON")
        }
        return try await exchange("POST", "/v1/authorize/tool-call", body: body, token: token)
    }

    public func approval(id: String, token: String) async throws -> ApprovalStatus {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")
        guard !id.isEmpty, id.count <= 128, id.allSatisfy(allowed.contains) else {
            throw MCPGatewayError(.serverUnavailable, "the server named an approval with an invalid id")
        }
        return try await exchange("GET", "/v1/approvals/" + id, body: nil, token: token)
    }

    private func exchange<Answer: Decodable>(
        _ method: String, _ path: String, body: Data?, token: String
    ) async throws -> Answer {
        var headers = [("Authorization", "Bearer " + token), ("Accept", "application/json")]
        if body != nil { headers.append(("Content-Type", "application/json")) }
        let answer: HTTPExchange.Answer
        do {
            answer = try await HTTPExchange.send(
                method == "POST" ? .POST : .GET, base.appendingPathComponent(String(path.dropFirst())), headers: headers,
                body: body, timeout: timeout)
        } catch {
            throw MCPGatewayError(.serverUnavailable, "cannot reach the Tessera server at \(base.absoluteString): \(error)")
        }
        let data = answer.body
        switch answer.status {
        case 200:
            do {
                return try JSONDecoder().decode(Answer.self, from: data)
            } catch {
                throw MCPGatewayError(
                    .serverUnavailable, "the Tessera server's answer to \(method) \(path) is not what the gateway expects")
            }
        case 401:
            throw MCPGatewayError(.unauthorized, Self.problem(data) ?? "the access token was refused")
        case 403:
            throw MCPGatewayError(.forbidden, Self.problem(data) ?? "the access token's task does not allow this")
        default:
            let detail = Self.problem(data).map { ": \($0)" } ?? ""
            throw MCPGatewayError(
                .serverUnavailable, "the Tessera server answered \(method) \(path) with HTTP \(answer.status)\(detail)")
        }
    }

    /// The `detail` (or `title`) of an RFC 9457 problem, or an OAuth `error_description`.
    static func problem(_ data: Data) -> String? {
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return nil }
        for key in ["detail", "title", "error_description", "error"] {
            if let text = object[key] as? String, !text.isEmpty { return String(text.prefix(500)) }
        }
        return nil
    }
}
