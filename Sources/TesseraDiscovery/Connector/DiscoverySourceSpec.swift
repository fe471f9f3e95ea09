import Foundation
import TesseraCore
import TesseraSecrets

/// A source the server discovers on a schedule, written as one URL (`--discover`, repeatable):
///
/// - `postgres://USER@HOST:PORT/DB?password_file=F[&sslmode=...&sslrootcert=...]`
/// - `openbao+https://HOST:PORT?token_file=F[&namespace=NS]` (or `openbao+http://` for loopback)
/// - `aws://REGION[?endpoint_url=URL]` — credentials from `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` /
///   `AWS_SESSION_TOKEN` in the server's environment
/// - `host:///ROOT?name=HOSTNAME[&service_accounts=a,b]`
///
/// Each takes `every=DURATION` (`30m`, `6h`, `1d`; default 24h, at least 1 minute). Secrets are never in the spec:
/// files are read at every run, so a rotated credential is picked up without a restart.
public struct DiscoverySourceSpec: Sendable, CustomStringConvertible {
    public let source: DiscoverySource
    /// The spec without its query (no credential is ever in it), for logs and the audit trail.
    public let description: String
    public let interval: Duration
    let make: @Sendable () throws -> any DiscoveryConnector

    /// Builds the connector for one run (reading credential files now).
    public func connector() throws -> any DiscoveryConnector { try make() }

    public init(parsing text: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        func fail(_ reason: String) -> DiscoveryError { DiscoveryError(.invalidArgument, source: "discover", reason) }
        guard let url = URLComponents(string: text), let scheme = url.scheme?.lowercased() else {
            throw fail("--discover \(text.prefix(100)): not a URL")
        }
        guard url.password == nil else { throw fail("--discover: put the password in a file (password_file=), not the URL") }
        var query: [String: String] = [:]
        for item in url.queryItems ?? [] {
            guard query[item.name] == nil, let value = item.value, !value.isEmpty else {
                throw fail("--discover: \(item.name) must be given once, with a value")
            }
            query[item.name] = value
        }
        interval = try Self.interval(query.removeValue(forKey: "every") ?? "24h")
        let host = url.host ?? ""
        let spec = "\(scheme)://\(url.user.map { $0 + "@" } ?? "")\(host)\(url.port.map { ":\($0)" } ?? "")\(url.path)"
        description = spec
        func path(_ name: String) throws -> String {
            guard let path = query[name] else { throw fail("--discover \(spec): \(name)= is required") }
            return path
        }
        func allow(_ names: Set<String>) throws {
            if let unknown = query.keys.first(where: { !names.contains($0) }) {
                throw fail("--discover \(spec): unknown parameter \(unknown.prefix(40))")
            }
        }
        switch scheme {
        case "postgres", "postgresql":
            try allow(["password_file", "sslmode", "sslrootcert"])
            var plain = url
            plain.queryItems = url.queryItems?.filter { $0.name == "sslmode" || $0.name == "sslrootcert" }
            if plain.queryItems?.isEmpty == true { plain.queryItems = nil }
            let base = try PostgresConnectionSettings(url: plain.string ?? text)
            let passwordFile = try path("password_file")
            source = .postgres
            make = { PostgresConnector(settings: base.replacingPassword(try Self.secret(passwordFile, spec: spec))) }
        case "openbao+https", "openbao+http":
            try allow(["token_file", "namespace"])
            let address = try OpenBaoAddress("\(scheme.dropFirst("openbao+".count))://\(host)\(url.port.map { ":\($0)" } ?? "")")
            let namespace = query["namespace"]
            let tokenFile = try path("token_file")
            source = .openbao
            make = { OpenBaoConnector(address: address, token: try Self.secret(tokenFile, spec: spec), namespace: namespace) }
        case "aws":
            try allow(["endpoint_url"])
            let region = host.isEmpty ? "us-east-1" : host
            let endpoint = try query["endpoint_url"].map { value in
                guard let endpoint = URL(string: value), ["http", "https"].contains(endpoint.scheme ?? "") else {
                    throw fail("--discover aws: endpoint_url must be an http(s) URL")
                }
                return endpoint
            }
            source = .aws
            make = {
                guard let id = environment["AWS_ACCESS_KEY_ID"], let secret = environment["AWS_SECRET_ACCESS_KEY"] else {
                    throw DiscoveryError(
                        .invalidArgument, source: "aws", "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set")
                }
                let credentials = AWSCredentials(
                    accessKeyID: id, secretAccessKey: secret, sessionToken: environment["AWS_SESSION_TOKEN"])
                return AWSConnector(credentials: credentials, endpoint: endpoint ?? AWSConnector.defaultEndpoint, region: region)
            }
        case "host":
            try allow(["name", "service_accounts"])
            let root = HostRoot(url.path.isEmpty ? "/" : url.path)
            // The name is the scope (what a complete run may mark gone): the operator gives it, never /etc/hostname.
            guard let name = query["name"], !name.isEmpty,
                name.allSatisfy({ $0.isLetter || $0.isNumber || "-._".contains($0) })
            else {
                throw fail("--discover host: name= is required (letters, digits, '-', '.', '_'): the host's scope host://NAME")
            }
            let accounts = Set((query["service_accounts"] ?? "").split(separator: ",").map(String.init))
            source = .host
            make = { HostConnector(root: root, hostName: name, serviceAccounts: accounts) }
        default:
            throw fail("--discover \(spec): unknown source; expected postgres://, openbao+https://, aws://, host:///")
        }
    }

    /// A credential file's content, read at each run (a rotated credential is picked up without a restart).
    static func secret(_ path: String, spec: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DiscoveryError(.invalidArgument, source: "discover", "\(spec): cannot read the credential file \(path)")
        }
        let secret = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .newlines)
        guard !secret.isEmpty else {
            throw DiscoveryError(.invalidArgument, source: "discover", "\(spec): the credential file \(path) is empty")
        }
        return secret
    }

    static func interval(_ text: String) throws -> Duration {
        let units: [Character: Int64] = ["s": 1, "m": 60, "h": 3600, "d": 86_400]
        guard let unit = text.last.flatMap({ units[$0] }), let count = Int64(text.dropLast()), count > 0,
            count * unit >= 60, count * unit <= 30 * 86_400
        else {
            throw DiscoveryError(
                .invalidArgument, source: "discover", "every=\(text.prefix(20)): expected 1m...30d, like 30m or 6h")
        }
        return .seconds(count * unit)
    }
}
