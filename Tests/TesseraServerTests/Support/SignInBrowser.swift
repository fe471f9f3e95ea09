import Foundation
import Synchronization
import TesseraTestSupport

/// A browser for sign-in tests: it follows no redirect (each hop is inspected) and keeps cookies by hand, so
/// a test decides exactly which browser carries which sign-in cookie.
final class SignInBrowser: Sendable {
    struct Hop: Sendable {
        let status: Int
        let location: String?
        let body: Data

        var locationComponents: URLComponents? { location.flatMap(URLComponents.init(string:)) }
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: body) as? [String: Any]) ?? [:] }
        func query(_ name: String) -> String? { locationComponents?.queryItems?.first { $0.name == name }?.value }
    }

    private let cookies = Mutex<[String: String]>([:])
    /// The cookie `name` this browser holds.
    func cookie(_ name: String) -> String? { cookies.withLock { $0[name] } }
    func setCookie(_ name: String, _ value: String?) { cookies.withLock { $0[name] = value } }

    func get(_ url: String) async throws -> Hop { try await send("GET", url) }

    func send(_ method: String, _ url: String, form: [String: String]? = nil) async throws -> Hop {
        var headers: [String: String] = [:]
        let header = cookies.withLock { $0.map { "\($0.key)=\($0.value)" }.joined(separator: "; ") }
        if !header.isEmpty { headers["Cookie"] = header }
        var body: Data?
        if let form {
            body = Data(TestServer.encode(form).utf8)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        }
        let reply = try await HTTPTestClient.send(method, url, body: body, headers: headers, followRedirects: false)
        for set in reply.values("set-cookie") {
            guard let pair = set.split(separator: ";").first else { continue }
            let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
            if parts.count == 2 { setCookie(parts[0], parts[1].isEmpty ? nil : parts[1]) }
        }
        return Hop(status: reply.status, location: reply.header("location"), body: reply.body)
    }
}
