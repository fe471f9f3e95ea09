import Foundation
import Synchronization

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A browser for sign-in tests: it follows no redirect (each hop is inspected) and keeps cookies by hand, so
/// a test decides exactly which browser carries which sign-in cookie.
final class SignInBrowser: Sendable {
    /// Stops URLSession from following redirects.
    final class NoRedirects: NSObject, URLSessionTaskDelegate, Sendable {
        func urlSession(
            _ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
            newRequest request: URLRequest, completionHandler: @escaping @Sendable (URLRequest?) -> Void
        ) { completionHandler(nil) }
    }

    struct Hop: Sendable {
        let status: Int
        let location: String?
        let body: Data

        var locationComponents: URLComponents? { location.flatMap(URLComponents.init(string:)) }
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: body) as? [String: Any]) ?? [:] }
        func query(_ name: String) -> String? { locationComponents?.queryItems?.first { $0.name == name }?.value }
    }

    private let cookies = Mutex<[String: String]>([:])
    private let session: URLSession

    init() {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpShouldSetCookies = false
        configuration.httpCookieAcceptPolicy = .never
        session = URLSession(configuration: configuration, delegate: NoRedirects(), delegateQueue: nil)
    }

    /// The cookie `name` this browser holds.
    func cookie(_ name: String) -> String? { cookies.withLock { $0[name] } }
    func setCookie(_ name: String, _ value: String?) { cookies.withLock { $0[name] = value } }

    func get(_ url: String) async throws -> Hop { try await send("GET", url) }

    func send(_ method: String, _ url: String, form: [String: String]? = nil) async throws -> Hop {
        var request = URLRequest(url: URL(string: url)!)
        request.httpMethod = method
        let header = cookies.withLock { $0.map { "\($0.key)=\($0.value)" }.joined(separator: "; ") }
        if !header.isEmpty { request.setValue(header, forHTTPHeaderField: "Cookie") }
        if let form {
            request.httpBody = Data(TestServer.encode(form).utf8)
            request.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
        }
        let (data, response) = try await session.data(for: request)
        let http = response as! HTTPURLResponse
        if let set = http.value(forHTTPHeaderField: "Set-Cookie"), let pair = set.split(separator: ";").first {
            let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
            if parts.count == 2 { setCookie(parts[0], parts[1].isEmpty ? nil : parts[1]) }
        }
        return Hop(status: http.statusCode, location: http.value(forHTTPHeaderField: "Location"), body: data)
    }
}
