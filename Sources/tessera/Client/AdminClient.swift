import ArgumentParser
import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Connection options shared by commands that talk to a running server.
struct ConnectionOptions: ParsableArguments {
    @Option(name: .long, help: "Server address (env TESSERA_ADDR; default http://127.0.0.1:8443).")
    var server: String?

    @Option(name: .long, help: "Admin bearer token (env TESSERA_TOKEN).")
    var token: String?

    @Option(name: .customLong("token-file"), help: "Read the admin token from a file (e.g. DATA_DIR/admin-token).")
    var tokenFile: String?

    func client(requireToken: Bool = true) throws -> AdminClient {
        try AdminClient.make(server: server, token: token, tokenFile: tokenFile, requireToken: requireToken)
    }
}

extension AdminClient {
    /// A client for `server` (else TESSERA_ADDR, else http://127.0.0.1:8443) with the admin token given, read from
    /// `tokenFile`, or from TESSERA_TOKEN.
    static func make(server: String?, token: String?, tokenFile: String?, requireToken: Bool = true) throws -> AdminClient {
        let environment = ProcessInfo.processInfo.environment
        var base = server ?? environment["TESSERA_ADDR"] ?? "http://127.0.0.1:8443"
        while base.hasSuffix("/") { base.removeLast() }
        guard let url = URL(string: base), url.scheme == "http" || url.scheme == "https" else {
            throw CommandFailure(message: "--server must be an http(s) URL, got \(base)")
        }
        var adminToken = token ?? environment["TESSERA_TOKEN"]
        if adminToken == nil, let tokenFile {
            adminToken = (try? String(contentsOfFile: tokenFile, encoding: .utf8))?.trimmingCharacters(
                in: .whitespacesAndNewlines)
            if adminToken == nil { throw CommandFailure(message: "cannot read the token file \(tokenFile)") }
        }
        if requireToken && adminToken == nil {
            throw CommandFailure(message: "an admin token is required: pass --token, --token-file or set TESSERA_TOKEN")
        }
        return AdminClient(base: url, token: adminToken)
    }
}

/// A small HTTP client for the admin and OAuth APIs.
struct AdminClient {
    let base: URL
    let token: String?

    struct Reply {
        let status: Int
        let body: Data
        var isSuccess: Bool { (200..<300).contains(status) }
    }

    func send(_ method: String, _ path: String, json: Any? = nil, form: [String: String]? = nil) async throws -> Reply {
        guard let url = URL(string: base.absoluteString + path) else { throw CommandFailure(message: "bad path \(path)") }
        var request = URLRequest(url: url)
        request.httpMethod = method
        request.timeoutInterval = 30
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        if let json {
            request.httpBody = try JSONSerialization.data(withJSONObject: json, options: [.withoutEscapingSlashes])
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        if let form {
            request.httpBody = Data(Self.formEncode(form).utf8)
            request.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
        }
        let (data, response): (Data, URLResponse)
        do {
            (data, response) = try await URLSession.shared.data(for: request)
        } catch {
            throw CommandFailure(message: "cannot reach \(base.absoluteString): \(error.localizedDescription)")
        }
        return Reply(status: (response as? HTTPURLResponse)?.statusCode ?? 0, body: data)
    }

    /// Sends and fails with the server's explanation (problem details or OAuth error) unless it succeeded.
    func expect(_ method: String, _ path: String, json: Any? = nil, form: [String: String]? = nil) async throws -> Data {
        let reply = try await send(method, path, json: json, form: form)
        guard reply.isSuccess else { throw CommandFailure(message: Self.explain(reply)) }
        return reply.body
    }

    static func explain(_ reply: Reply) -> String {
        if let object = try? JSONSerialization.jsonObject(with: reply.body) as? [String: Any] {
            if let detail = object["detail"] as? String {
                return "\(reply.status) \(object["title"] as? String ?? ""): \(detail)"
            }
            if let error = object["error"] as? String {
                return "\(reply.status) \(error): \(object["error_description"] as? String ?? "")"
            }
        }
        return "server answered \(reply.status)"
    }

    /// One path segment, percent-encoded.
    static func pathEscape(_ segment: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return segment.addingPercentEncoding(withAllowedCharacters: allowed) ?? segment
    }

    static func formEncode(_ form: [String: String]) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return form.sorted { $0.key < $1.key }.map { key, value in
            "\(key.addingPercentEncoding(withAllowedCharacters: allowed) ?? key)=\(value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value)"
        }.joined(separator: "&")
    }
}
