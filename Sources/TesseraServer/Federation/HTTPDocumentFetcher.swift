import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Fetches small JSON documents (OIDC discovery, JWK Sets) from external issuers with a hard timeout and a
/// size limit. Only `https` URLs are fetched, and `http` on loopback (tests, local IdPs).
public struct HTTPDocumentFetcher: Sendable {
    /// Largest document accepted.
    public static let maximumSize = 256 * 1024

    let timeout: Double
    private let session: URLSession

    public init(timeout: Double) {
        self.timeout = timeout
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        configuration.timeoutIntervalForResource = timeout
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        configuration.httpCookieStorage = nil
        self.session = URLSession(configuration: configuration)
    }

    /// Whether `url` may be fetched: `https`, or `http` to a loopback host.
    public static func isAllowed(_ url: String) -> Bool {
        guard let parsed = URL(string: url), let scheme = parsed.scheme?.lowercased(), let host = parsed.host?.lowercased(),
            !host.isEmpty
        else { return false }
        if scheme == "https" { return true }
        return scheme == "http" && ["127.0.0.1", "localhost", "::1", "[::1]"].contains(host)
    }

    /// The body of a `200` answer to `GET url`; a clear error for everything else.
    public func get(_ url: String) async throws(FetchError) -> Data {
        guard Self.isAllowed(url), let parsed = URL(string: url) else {
            throw FetchError("refusing to fetch \(url.prefix(200)): only https (or http on loopback) is allowed")
        }
        var request = URLRequest(url: parsed, cachePolicy: .reloadIgnoringLocalCacheData, timeoutInterval: timeout)
        request.setValue("application/json", forHTTPHeaderField: "Accept")
        let data: Data
        let response: URLResponse
        do {
            (data, response) = try await session.data(for: request)
        } catch {
            throw FetchError("\(url.prefix(200)) could not be fetched within \(timeout) s")
        }
        guard let http = response as? HTTPURLResponse, http.statusCode == 200 else {
            throw FetchError("\(url.prefix(200)) answered \((response as? HTTPURLResponse)?.statusCode ?? 0)")
        }
        guard data.count <= Self.maximumSize else { throw FetchError("\(url.prefix(200)) is larger than 256 KiB") }
        return data
    }

    /// The JSON body of a `POST url` with a form body (an OIDC token request). Any status is returned: OAuth
    /// errors come back as JSON with 400.
    public func postForm(_ url: String, _ fields: [String: String]) async throws(FetchError) -> (Int, Data) {
        guard Self.isAllowed(url), let parsed = URL(string: url) else {
            throw FetchError("refusing to call \(url.prefix(200)): only https (or http on loopback) is allowed")
        }
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        let body = fields.sorted { $0.key < $1.key }.map {
            "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")"
        }.joined(separator: "&")
        var request = URLRequest(url: parsed, cachePolicy: .reloadIgnoringLocalCacheData, timeoutInterval: timeout)
        request.httpMethod = "POST"
        request.httpBody = Data(body.utf8)
        request.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
        request.setValue("application/json", forHTTPHeaderField: "Accept")
        do {
            let (data, response) = try await session.data(for: request)
            guard data.count <= Self.maximumSize else { throw FetchError("\(url.prefix(200)) answered more than 256 KiB") }
            return ((response as? HTTPURLResponse)?.statusCode ?? 0, data)
        } catch let error as FetchError {
            throw error
        } catch {
            throw FetchError("\(url.prefix(200)) could not be reached within \(timeout) s")
        }
    }
}
