import ArgumentParser
import Crypto
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// `tessera login`: a person signs in through the organisation's IdP. The server is the OIDC relying party
/// (authorization code + PKCE); the CLI follows RFC 8252 §7.3 with its own PKCE: it listens on
/// `http://127.0.0.1:<port>/tessera-login` (the exact redirect the server accepts), sends the S256 challenge of a
/// verifier only it knows, receives a one-time code on the redirect and redeems code + verifier with
/// `POST /auth/token`. The session arrives in that response body, never in a URL. The IdP used in tests (and
/// many others) has no device flow, so loopback it is.
struct LoginCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "login",
        abstract: "Sign in through the organisation's IdP; saves a short admin session (use it with --token-file).")

    @OptionGroup var connection: ConnectionOptions
    @Option(help: "Where to save the session token (mode 0600).")
    var output: String = (NSHomeDirectory() as NSString).appendingPathComponent(".tessera-session")
    @Option(help: "Seconds to wait for the browser to come back.") var timeout: Int = 300
    @Flag(name: .customLong("no-browser"), help: "Only print the URL to open.") var noBrowser = false

    static let callbackPath = "/tessera-login"

    func run() async throws {
        let http = try connection.client(requireToken: false)
        let listener = try LoopbackListener()
        defer { listener.close() }
        let redirect = "http://127.0.0.1:\(listener.port)\(Self.callbackPath)"
        var random = SystemRandomNumberGenerator()
        let verifier = Data((0..<32).map { _ in UInt8.random(in: 0...255, using: &random) }).base64URL
        let challenge = Data(SHA256.hash(data: Data(verifier.utf8))).base64URL
        var components = URLComponents(string: http.base.absoluteString + "/auth/login")
        components?.queryItems = [
            URLQueryItem(name: "redirect_uri", value: redirect), URLQueryItem(name: "code_challenge", value: challenge),
        ]
        // `+` and `/` never occur (base64url), so the query needs no further escaping.
        let url = components?.string ?? ""
        Output.note("Open this URL to sign in:\n  \(url)")
        if !noBrowser, FileManager.default.isExecutableFile(atPath: "/usr/bin/xdg-open") {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/xdg-open")
            process.arguments = [url]
            try? process.run()
        }
        guard let query = listener.awaitRedirect(path: Self.callbackPath, timeout: timeout) else {
            throw CommandFailure(message: "no sign-in came back within \(timeout) s")
        }
        guard let code = query["code"], !code.isEmpty else {
            throw CommandFailure(message: "the sign-in did not return a code: \(query["error"] ?? "unknown error")")
        }
        let body = try await http.expect(
            "POST", "/auth/token", form: ["code": code, "code_verifier": verifier, "redirect_uri": redirect])
        guard let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any],
            let session = object["session_token"] as? String
        else { throw CommandFailure(message: "the server did not return a session") }
        guard
            FileManager.default.createFile(
                atPath: output, contents: Data((session + "\n").utf8), attributes: [.posixPermissions: 0o600])
        else { throw CommandFailure(message: "cannot write \(output)") }
        let who = (object["email"] as? String) ?? (object["sub"] as? String) ?? "?"
        Output.note("signed in as \(who) (\(object["role"] as? String ?? "?")); session saved to \(output)")
        Output.note("use it: export TESSERA_TOKEN=$(cat \(output))   or   --token-file \(output)")
    }
}

extension Data {
    /// Base64url without padding (RFC 7636 §4.2).
    fileprivate var base64URL: String {
        base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}

/// A one-shot HTTP listener on 127.0.0.1 that waits for the browser's redirect and returns its query.
final class LoopbackListener {
    let port: Int
    private let socket: Int32

    init() throws {
        let fd = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard fd >= 0, bound == 0, listen(fd, 4) == 0 else { throw CommandFailure(message: "cannot listen on 127.0.0.1") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        socket = fd
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    func close() { Glibc.close(socket) }

    /// The query parameters of the first `GET <path>?...` request, or `nil` after `timeout` seconds. Requests
    /// for other paths are answered 404 and ignored.
    func awaitRedirect(path: String, timeout: Int) -> [String: String]? {
        let deadline = Date().addingTimeInterval(TimeInterval(timeout))
        while Date() < deadline {
            var poller = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 1000) > 0 else { continue }
            let client = accept(socket, nil, nil)
            guard client >= 0 else { continue }
            defer { Glibc.close(client) }
            var buffer = [UInt8](repeating: 0, count: 16_384)
            let count = read(client, &buffer, buffer.count)
            guard count > 0 else { continue }
            let line = String(decoding: buffer[0..<count], as: UTF8.self).split(separator: "\r\n").first ?? ""
            let target = line.split(separator: " ").dropFirst().first.map(String.init) ?? ""
            guard let components = URLComponents(string: "http://127.0.0.1" + target), components.path == path else {
                let missing = "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                _ = missing.withCString { write(client, $0, strlen($0)) }
                continue
            }
            let body = "<html><body>Signed in to Tessera. You can close this tab.</body></html>"
            let response =
                "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n"
                + body
            _ = response.withCString { write(client, $0, strlen($0)) }
            var query: [String: String] = [:]
            for item in components.queryItems ?? [] { query[item.name] = item.value ?? "" }
            return query
        }
        return nil
    }
}
