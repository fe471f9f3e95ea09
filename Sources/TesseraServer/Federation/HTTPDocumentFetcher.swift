import Foundation
import Logging
import NIOHTTP1

/// Fetches small JSON documents (OIDC discovery, JWK Sets, token responses) from external issuers.
///
/// Every request goes through ``GuardedHTTPClient``: only `https` URLs (and `http` to a loopback host, which
/// the default network policy refuses anyway), the resolved address checked against the
/// ``FederationNetworkPolicy`` and connected to directly, no redirects, at most ``maximumSize`` bytes read,
/// one deadline for the whole exchange. Failures are logged here with their details (URL, address, status);
/// the error thrown says only that the document could not be fetched, so nothing about the network behind
/// the server reaches a remote caller.
public struct HTTPDocumentFetcher: Sendable {
    /// Largest document accepted.
    public static let maximumSize = 256 * 1024

    let timeout: Double
    let policy: FederationNetworkPolicy
    private let client: GuardedHTTPClient
    let logger: Logger

    /// A fetcher that reaches public addresses only, unless `policy` allows more.
    public init(timeout: Double, policy: FederationNetworkPolicy = FederationNetworkPolicy(), logger: Logger? = nil) {
        self.timeout = timeout
        self.policy = policy
        self.client = GuardedHTTPClient(policy: policy, timeout: timeout, maximumSize: Self.maximumSize)
        self.logger = logger ?? Logger(label: "tessera.federation")
    }

    /// Whether `url` may be fetched at all: `https`, or `http` to a loopback host. The address is checked
    /// against the network policy when connecting.
    public static func isAllowed(_ url: String) -> Bool {
        guard let parsed = URL(string: url), let scheme = parsed.scheme?.lowercased(), let host = parsed.host?.lowercased(),
            !host.isEmpty, parsed.user == nil, parsed.password == nil
        else { return false }
        if scheme == "https" { return true }
        return scheme == "http" && ["127.0.0.1", "localhost", "::1", "[::1]"].contains(host)
    }

    /// Why this fetcher would refuse `url` before any network traffic (scheme, or a host that is a refused
    /// IP literal), or `nil`. Used to refuse such URLs when an issuer is added.
    public func refusal(for url: String) -> String? {
        guard Self.isAllowed(url), let host = URL(string: url)?.host else { return "only https (http only on loopback)" }
        return policy.refusal(forHost: host)
    }

    /// The body of a `200` answer to `GET url`. Anything else (redirect, other status, too large, timeout,
    /// refused address) throws a generic ``FetchError``; the details go to the server log.
    public func get(_ url: String) async throws(FetchError) -> Data {
        try await get(url, peer: nil)
    }

    /// The body of a `200` answer to `GET url` from a server that `peer` authenticates (`https_spiffe`), or through
    /// the Web PKI when `peer` is nil.
    func get(_ url: String, peer: SPIFFEPeerAuthentication?) async throws(FetchError) -> Data {
        guard Self.isAllowed(url) else { throw failure("refused scheme or host", url: url) }
        let response: GuardedHTTPClient.Response
        do {
            response = try await client.send(method: .GET, url: url, headers: [("Accept", "application/json")], peer: peer)
        } catch {
            throw failure(error.description, url: url)
        }
        guard response.status == 200 else {
            let reason = (300..<400).contains(response.status) ? "redirects are not followed" : "unexpected status"
            throw failure("answered \(response.status) (\(reason))", url: url)
        }
        return response.body
    }

    /// The status and body of a `POST url` with a form body (an OIDC token request). Any status is returned:
    /// OAuth errors come back as JSON with 400. Redirects are returned as their status, never followed.
    public func postForm(_ url: String, _ fields: [String: String]) async throws(FetchError) -> (Int, Data) {
        guard Self.isAllowed(url) else { throw failure("refused scheme or host", url: url) }
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        let body = fields.sorted { $0.key < $1.key }.map {
            "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")"
        }.joined(separator: "&")
        do {
            let response = try await client.send(
                method: .POST, url: url,
                headers: [("Content-Type", "application/x-www-form-urlencoded"), ("Accept", "application/json")],
                body: Data(body.utf8))
            return (response.status, response.body)
        } catch {
            throw failure(error.description, url: url)
        }
    }

    private func failure(_ detail: String, url: String) -> FetchError {
        logger.warning(
            "federation fetch failed", metadata: ["url": .string(String(url.prefix(200))), "detail": .string(detail)])
        return FetchError("the document could not be fetched")
    }
}
