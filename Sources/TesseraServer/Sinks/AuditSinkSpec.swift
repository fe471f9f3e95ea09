import Foundation

/// One `--sink URL`, parsed and checked at start (docs/sinks.md):
/// `syslog+tcp://HOST:PORT`, `syslog+tls://HOST:PORT?ca_file=F`, `syslog+udp://HOST:PORT`,
/// `https://HOST/PATH?key_file=F` (or `http://` on loopback only), `file:///PATH`; each takes `format=tessera|ecs|hec`,
/// `types=PREFIX,PREFIX` and `name=NAME` (the cursor's key; default: the URL without its query).
struct AuditSinkSpec: Sendable, Equatable, CustomStringConvertible {
    enum Transport: String, Sendable, Equatable {
        case syslogTCP = "syslog+tcp"
        case syslogTLS = "syslog+tls"
        case syslogUDP = "syslog+udp"
        case https
        case http
        case file
    }

    let transport: Transport
    let host: String
    let port: Int
    /// The URL without its query (webhook target; file path for `file`).
    let target: String
    let path: String
    let format: AuditSinkFormat
    /// Record type prefixes to send (`token.`, `discovered.`); empty sends every record.
    let types: [String]
    /// The cursor's key in the outbox.
    let name: String
    /// HMAC-SHA256 key of the webhook signature (`key_file`), read at start; never logged.
    let signingKey: Data?
    /// `Authorization` header value of the webhook (`token_file`: `Splunk <token>` with `format=hec`, else
    /// `Bearer <token>`); never logged.
    let authorization: String?
    /// PEM CA certificates trusted for `syslog+tls` and `https` (`ca_file`; default: the system's).
    let caFile: String?

    var description: String { name }

    /// Parses `text`; errors name `--sink` and the problem, never a key.
    init(parsing text: String) throws(ServerError) {
        func refuse(_ reason: String) -> ServerError {
            ServerError(.configuration, "--sink \(Self.redacted(text)): \(reason)")
        }
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased() else {
            throw refuse("not a URL")
        }
        guard let transport = Transport(rawValue: scheme) else {
            throw refuse(
                "unknown scheme \(scheme) (syslog+tcp, syslog+tls, syslog+udp, https, http on loopback, or file)")
        }
        guard components.user == nil, components.password == nil else {
            throw refuse("credentials do not belong in the URL: use key_file= or token_file=")
        }
        var query: [String: String] = [:]
        for item in components.queryItems ?? [] {
            guard query[item.name] == nil else { throw refuse("\(item.name) is given twice") }
            guard Self.parameters.contains(item.name) else { throw refuse("unknown parameter \(item.name)") }
            query[item.name] = item.value ?? ""
        }
        self.transport = transport
        guard let format = AuditSinkFormat(rawValue: query["format"] ?? "tessera") else {
            throw refuse("format must be tessera, ecs or hec")
        }
        self.format = format
        types = (query["types"] ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
        path = components.percentEncodedPath.removingPercentEncoding ?? components.path
        var base = components
        base.query = nil
        target = base.string ?? text
        name = query["name"] ?? target
        caFile = query["ca_file"]
        if transport == .file {
            guard components.host?.isEmpty ?? true, path.hasPrefix("/"), path.count > 1 else {
                throw refuse("a file sink is file:///ABSOLUTE/PATH")
            }
            host = ""
            port = 0
        } else {
            guard let host = components.host, !host.isEmpty else { throw refuse("the URL names no host") }
            self.host = host
            switch transport {
            case .https: port = components.port ?? 443
            case .http: port = components.port ?? 80
            default:
                guard let port = components.port else { throw refuse("a syslog sink needs a port") }
                self.port = port
            }
            guard (1...65_535).contains(port) else { throw refuse("the port must be 1...65535") }
        }
        if transport == .http, !Self.isLoopback(host) {
            throw refuse("http:// is allowed only to loopback (127.0.0.1, ::1, localhost); use https://")
        }
        if let caFile, !FileManager.default.isReadableFile(atPath: caFile) {
            throw refuse("ca_file \(caFile) is not readable")
        }
        signingKey = try Self.secret(query["key_file"], named: "key_file", refuse: refuse).map { Data($0.utf8) }
        authorization = try Self.secret(query["token_file"], named: "token_file", refuse: refuse).map {
            (format == .hec ? "Splunk " : "Bearer ") + $0
        }
        let webhook = transport == .https || transport == .http
        if !webhook, signingKey != nil || authorization != nil {
            throw refuse("key_file and token_file apply to webhook (http(s)) sinks only")
        }
        if webhook, signingKey == nil, authorization == nil {
            throw refuse("a webhook sink needs key_file= (HMAC-SHA256 signature) or token_file=")
        }
    }

    static let parameters: Set<String> = ["format", "types", "name", "key_file", "token_file", "ca_file"]

    /// Whether a record of `type` goes to this sink.
    func accepts(type: String) -> Bool {
        types.isEmpty || types.contains { type.hasPrefix($0) }
    }

    /// The URL for messages: its query and any user or password dropped.
    static func redacted(_ text: String) -> String {
        var shown = String(text.split(separator: "?", maxSplits: 1).first ?? "")
        if let scheme = shown.range(of: "://"), let at = shown[scheme.upperBound...].firstIndex(of: "@"),
            !shown[scheme.upperBound..<at].contains("/")
        {
            shown.removeSubrange(scheme.upperBound...at)
        }
        return String(shown.prefix(200))
    }

    static func isLoopback(_ host: String) -> Bool {
        let bare = host.trimmingCharacters(in: CharacterSet(charactersIn: "[]")).lowercased()
        return bare == "localhost" || bare == "::1"
            || bare.hasPrefix("127.")
                && bare.split(separator: ".").count == 4 && bare.split(separator: ".").allSatisfy { UInt8($0) != nil }
    }

    /// The trimmed contents of a secret file; the error names the file, never its contents.
    private static func secret(
        _ path: String?, named option: String, refuse: (String) -> ServerError
    ) throws(ServerError) -> String? {
        guard let path else { return nil }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw refuse("\(option) \(path) cannot be read")
        }
        let value = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard value.count >= 16 || option == "token_file", !value.isEmpty else {
            throw refuse("\(option) \(path) holds less than 16 characters")
        }
        return value
    }
}
