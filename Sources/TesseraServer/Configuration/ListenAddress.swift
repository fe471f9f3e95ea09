/// A listener's `HOST:PORT` (`127.0.0.1:9090`, `[::1]:9090`, `0.0.0.0:9090`), as the extra listeners take it.
struct ListenAddress {
    let host: String
    let port: Int

    /// Parses `text`; `usage` is the whole error message, `ports` the accepted range (0 picks a free port).
    init(parsing text: String, usage: String, ports: ClosedRange<Int>) throws(ServerError) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), ports.contains(port)
        else { throw ServerError(.configuration, usage) }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty, !host.contains(where: { $0.isWhitespace || $0 == "/" }) else {
            throw ServerError(.configuration, usage)
        }
        self.host = host
        self.port = port
    }
}
