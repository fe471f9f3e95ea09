import ArgumentParser
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// `tessera login`: a person signs in through the organisation's IdP. The server is the OIDC relying party
/// (authorization code + PKCE); the CLI receives the resulting short session on a loopback redirect
/// (RFC 8252 §7.3). The IdP used in tests (and many others) has no device flow, so loopback it is.
struct LoginCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "login",
        abstract: "Sign in through the organisation's IdP; saves a short admin session (use it with --token-file).")

    @OptionGroup var connection: ConnectionOptions
    @Option(help: "Where to save the session token (mode 0600).")
    var output: String = (NSHomeDirectory() as NSString).appendingPathComponent(".tessera-session")
    @Option(help: "Seconds to wait for the browser to come back.") var timeout: Int = 300
    @Flag(name: .customLong("no-browser"), help: "Only print the URL to open.") var noBrowser = false

    func run() async throws {
        let http = try connection.client(requireToken: false)
        let listener = try LoopbackListener()
        defer { listener.close() }
        let returnTo = "http://127.0.0.1:\(listener.port)/done"
        var components = URLComponents(string: http.base.absoluteString + "/auth/login")
        components?.queryItems = [URLQueryItem(name: "return_to", value: returnTo)]
        let url = components?.string ?? ""
        Output.note("Open this URL to sign in:\n  \(url)")
        if !noBrowser, FileManager.default.isExecutableFile(atPath: "/usr/bin/xdg-open") {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/xdg-open")
            process.arguments = [url]
            try? process.run()
        }
        guard let query = listener.awaitRedirect(timeout: timeout) else {
            throw CommandFailure(message: "no sign-in came back within \(timeout) s")
        }
        guard let session = query["session"] else {
            throw CommandFailure(message: "the sign-in did not return a session: \(query["error"] ?? "unknown error")")
        }
        guard
            FileManager.default.createFile(
                atPath: output, contents: Data((session + "\n").utf8), attributes: [.posixPermissions: 0o600])
        else { throw CommandFailure(message: "cannot write \(output)") }
        Output.note("signed in as \(query["role"] ?? "?"); session saved to \(output)")
        Output.note("use it: export TESSERA_TOKEN=$(cat \(output))   or   --token-file \(output)")
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

    /// The query parameters of the first `GET /done?...` request, or `nil` after `timeout` seconds.
    func awaitRedirect(timeout: Int) -> [String: String]? {
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
            guard target.hasPrefix("/done"), let components = URLComponents(string: "http://127.0.0.1" + target) else { continue }
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
