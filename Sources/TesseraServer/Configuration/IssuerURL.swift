import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Rules for an issuer URL that relying parties resolve (OIDC discovery at `<issuer>/.well-known/openid-configuration`):
/// absolute, `https` (plain `http` only on a loopback host, for labs and tests), no credentials, query or
/// fragment, no trailing slash. A relying party that fetched keys over plain HTTP from a network host would
/// trust whoever answered.
public enum IssuerURL {
    /// Checks `value`; `what` names the setting in the message.
    public static func validate(_ value: String, what: String) throws(ServerError) {
        guard value.utf8.count <= 512, let components = URLComponents(string: value),
            let scheme = components.scheme?.lowercased(),
            let host = components.host, !host.isEmpty
        else {
            throw ServerError(.configuration, "\(what) must be an absolute URL such as https://tessera.example.com")
        }
        guard components.user == nil, components.password == nil, components.query == nil, components.fragment == nil else {
            throw ServerError(.configuration, "\(what) must not carry credentials, a query or a fragment")
        }
        guard !value.hasSuffix("/") else { throw ServerError(.configuration, "\(what) must not end with /") }
        guard scheme == components.scheme, host == host.lowercased(), isNormalHost(host),
            !components.percentEncodedPath.split(separator: "/", omittingEmptySubsequences: false).contains(where: {
                $0 == "." || $0 == ".." || $0.contains("%")
            }), !components.percentEncodedPath.contains("//")
        else {
            throw ServerError(
                .configuration,
                "\(what) must be in normal form: lowercase scheme and host (no trailing dot; an IP address as 127.0.0.1 or ::1), "
                    + "no '.', '..', '//' or escapes in the path")
        }
        switch scheme {
        case "https": return
        case "http" where isLoopback(host):
            return
        case "http":
            throw ServerError(
                .configuration,
                "\(what) must use https outside loopback (\(host) is not a loopback host): relying parties fetch its keys from it"
            )
        default:
            throw ServerError(.configuration, "\(what) must be an https URL")
        }
    }

    /// The form two issuers are compared in: scheme, host (every loopback name as one), port (the default made
    /// explicit) and path. Two issuers with the same form are the same place for a relying party.
    public static func comparable(_ value: String) -> String? {
        guard let components = URLComponents(string: value), let scheme = components.scheme?.lowercased(),
            let host = components.host?.lowercased()
        else { return nil }
        let port = components.port ?? (scheme == "https" ? 443 : 80)
        let place = isLoopback(host) ? "loopback" : host
        var path = components.percentEncodedPath
        while path.hasSuffix("/") { path.removeLast() }
        return "\(place):\(port)\(path)"
    }

    /// Whether `host` is written the one way relying parties and this check agree on: no trailing dot or zone, and an IP
    /// address only in its canonical form (`127.0.0.1`, not `127.1`, `2130706433` or `0x7f.0.0.1`; `::1`, not
    /// `0::1` or `::ffff:127.0.0.1`), so two spellings of one place cannot pass as two issuers (attacker re-check).
    static func isNormalHost(_ host: String) -> Bool {
        let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        guard !bare.isEmpty, !bare.hasSuffix("."), !bare.contains("%") else { return false }
        if bare.contains(":") {
            var address = in6_addr()
            guard inet_pton(AF_INET6, bare, &address) == 1 else { return false }
            var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
            guard inet_ntop(AF_INET6, &address, &buffer, socklen_t(buffer.count)) != nil else { return false }
            let canonical = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            // An IPv4-mapped address is the IPv4 address in disguise.
            return canonical == bare && !canonical.hasPrefix("::ffff:")
        }
        var address = in_addr()
        if inet_aton(bare, &address) != 0 {
            let bytes = withUnsafeBytes(of: address.s_addr) { Array($0) }
            return bare == bytes.map(String.init).joined(separator: ".")
        }
        return true
    }

    /// Whether `host` names this machine only (localhost, 127.0.0.0/8, ::1).
    public static func isLoopback(_ host: String) -> Bool {
        let host = host.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        if host == "localhost" || host == "::1" { return true }
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts[0] == "127" && parts.allSatisfy { UInt8($0) != nil }
    }
}
