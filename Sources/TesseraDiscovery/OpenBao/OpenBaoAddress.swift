import Foundation

/// An OpenBao/Vault server address as the operator gave it (`https://vault.example:8200`), checked and normalised.
///
/// Only `http` and `https` with a host are accepted; a user, query or fragment is refused (a token never travels
/// in the URL). The scope and external ids name the server as `openbao://host:port`.
public struct OpenBaoAddress: Sendable, Equatable {
    public let scheme: String
    public let host: String
    public let port: Int

    public init(_ text: String) throws(DiscoveryError) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard let components = URLComponents(string: trimmed), let scheme = components.scheme?.lowercased(),
            scheme == "http" || scheme == "https", let host = components.host, !host.isEmpty
        else {
            throw DiscoveryError(
                .invalidArgument, source: "openbao", "--addr must be http(s)://host[:port], not '\(trimmed.prefix(100))'")
        }
        guard components.user == nil, components.password == nil, components.query == nil, components.fragment == nil,
            components.path.isEmpty || components.path == "/"
        else {
            throw DiscoveryError(
                .invalidArgument, source: "openbao", "--addr must be http(s)://host[:port] with no path, user or query")
        }
        self.scheme = scheme
        // Foundation keeps an IPv6 literal's brackets on some platforms; store the bare address.
        self.host = host.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        self.port = components.port ?? (scheme == "https" ? 443 : 80)
    }

    /// `host:port`, bracketing an IPv6 address.
    public var authority: String { (host.contains(":") ? "[\(host)]" : host) + ":\(port)" }

    /// The base every API path is appended to: `http://host:port/v1/`.
    public var apiBase: String { "\(scheme)://\(authority)/v1/" }

    /// The snapshot scope and external-id prefix: `openbao://host:port`.
    public var scope: String { "openbao://\(authority)" }

    /// Percent-encodes each segment of an API path (role names and KV keys may hold any character but `/`).
    public static func encode(path: String) -> String {
        var allowed = CharacterSet.alphanumerics.intersection(CharacterSet(charactersIn: "\u{0}"..."\u{7f}"))
        allowed.insert(charactersIn: "-._~/")
        return path.addingPercentEncoding(withAllowedCharacters: allowed) ?? path
    }
}
