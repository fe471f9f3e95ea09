import Foundation
import TesseraCore

/// Discovers an OpenBao or Vault server's non-human identities from metadata only: AppRoles and their secret IDs,
/// token accessors, ACL policies with broad paths or `sudo`, KV version 2 secrets' metadata, and whether an audit
/// device is enabled. It never reads a secret value (no `<mount>/data/...`, no `sys/raw`).
///
/// External ids are `openbao://host:port/auth/<mount>/role/<name>`, `openbao://host:port/token/<fingerprint>` and
/// `openbao://host:port/<mount>/metadata/<path>`; the scope is `openbao://host:port`. A path the token may not read
/// is a problem naming the path and the capability it needs (the run is then partial and marks nothing gone).
public struct OpenBaoConnector: DiscoveryConnector {
    public let source = DiscoverySource.openbao
    public let address: OpenBaoAddress
    let token: String
    let namespace: String?
    /// How deep and how many KV secrets are walked per mount; beyond, the run is partial.
    public let maximumKVDepth: Int
    public let maximumKVSecrets: Int
    /// Requests in flight at once.
    public let concurrency: Int

    public init(
        address: OpenBaoAddress, token: String, namespace: String? = nil, maximumKVDepth: Int = 16,
        maximumKVSecrets: Int = 10_000, concurrency: Int = 16
    ) {
        self.address = address
        self.token = token
        self.namespace = namespace
        self.maximumKVDepth = maximumKVDepth
        self.maximumKVSecrets = maximumKVSecrets
        self.concurrency = concurrency
    }

    public var scope: String { address.scope }

    public func discover(clock: any TimeSource) async throws -> DiscoverySnapshot {
        let started = clock.now()
        let http = DiscoveryHTTPClient(source: "openbao")
        let api = OpenBaoAPI(http: http, address: address, token: token, namespace: namespace)
        do {
            var builder = SnapshotBuilder(source: source, scope: scope, startedAt: started)
            try await read(api, into: &builder)
            await http.shutdown()
            return builder.snapshot(finishedAt: clock.now())
        } catch {
            await http.shutdown()
            throw error
        }
    }

    private func read(_ api: OpenBaoAPI, into builder: inout SnapshotBuilder) async throws {
        let me = try await whoAmI(api)
        let analysis = try await policies(api, into: &builder)
        let mapper = OpenBaoMapper(scope: scope, analysis: analysis, selfAccessor: me["accessor"].string)
        let reader = OpenBaoReader(api: api, mapper: mapper, concurrency: concurrency)
        for mount in try await authMounts(api, into: &builder) {
            try await reader.appRoles(mount: mount, into: &builder)
        }
        try await reader.tokens(me: me, into: &builder)
        for mount in try await kvMounts(api, into: &builder) {
            try await reader.kvSecrets(mount: mount, maximumDepth: maximumKVDepth, maximum: maximumKVSecrets, into: &builder)
        }
        try await audit(api, into: &builder)
    }

    /// The first call: proves the address is OpenBao/Vault and the token is accepted.
    private func whoAmI(_ api: OpenBaoAPI) async throws -> OpenBaoValue {
        switch try await api.read("auth/token/lookup-self") {
        case .ok(let answer) where answer["data"]["accessor"].string != nil:
            return answer["data"]
        case .ok, .notFound:
            throw DiscoveryError(
                .malformed, source: "openbao", "\(scope) does not answer like OpenBao or Vault (auth/token/lookup-self)")
        case .denied(let message):
            throw DiscoveryError(
                .unauthenticated, source: "openbao",
                "\(scope) refused the token (403 \(message) on auth/token/lookup-self): it is wrong, expired or revoked, or lacks "
                    + "\"read\" on auth/token/lookup-self")
        case .failed(let message):
            throw DiscoveryError(.malformed, source: "openbao", "auth/token/lookup-self failed: \(message)")
        }
    }

    /// Every ACL policy, analysed for broad paths and `sudo`.
    private func policies(_ api: OpenBaoAPI, into builder: inout SnapshotBuilder) async throws -> OpenBaoPolicyAnalysis {
        let names: [String]
        switch try await api.list("sys/policies/acl") {
        case .ok(let answer): names = answer["data"]["keys"].strings
        case .notFound: names = []
        case .denied:
            builder.problem(
                OpenBaoReader.denied("sys/policies/acl", "list", "privileged policies cannot be recognised"),
                affectsCompleteness: false)
            return OpenBaoPolicyAnalysis(policies: [:])
        case .failed(let message):
            builder.problem(
                "openbao: cannot list sys/policies/acl (\(message)): privileged policies cannot be recognised",
                affectsCompleteness: false)
            return OpenBaoPolicyAnalysis(policies: [:])
        }
        let texts = try await names.filter { $0 != "root" }.concurrentMap(limit: concurrency) { name in
            (name, try await api.read("sys/policies/acl/\(name)"))
        }
        var policies: [String: String] = [:]
        for (name, outcome) in texts {
            if case .ok(let answer) = outcome, let text = answer["data"]["policy"].string {
                policies[name] = text
            } else {
                builder.problem(
                    OpenBaoReader.denied("sys/policies/acl/\(name)", "read", "policy \"\(name)\" was not analysed"),
                    affectsCompleteness: false)
            }
        }
        let analysis = OpenBaoPolicyAnalysis(policies: policies)
        for (name, reason) in analysis.unreadable.sorted(by: { $0.key < $1.key }) {
            builder.problem(
                "openbao: policy \"\(name)\" could not be parsed (\(reason)): it was not analysed", affectsCompleteness: false)
        }
        return analysis
    }

    /// The AppRole mounts; other auth methods are named as not read by this connector.
    private func authMounts(_ api: OpenBaoAPI, into builder: inout SnapshotBuilder) async throws -> [String] {
        switch try await api.read("sys/auth") {
        case .ok(let answer):
            var approles: [String] = []
            for (path, mount) in answer["data"].members.sorted(by: { $0.key < $1.key }) {
                let name = path.hasSuffix("/") ? String(path.dropLast()) : path
                switch mount["type"].string {
                case "approle": approles.append(name)
                case "token": continue
                case let other:
                    builder.problem(
                        "openbao: auth method \(other ?? "unknown") at auth/\(name) is not read by this connector (its roles are not discovered)",
                        affectsCompleteness: false)
                }
            }
            return approles
        case .denied:
            builder.problem(OpenBaoReader.denied("sys/auth", "read", "AppRoles were not read"))
        case .notFound, .failed:
            builder.problem("openbao: cannot read sys/auth: AppRoles were not read")
        }
        return []
    }

    /// The KV version 2 mounts.
    private func kvMounts(_ api: OpenBaoAPI, into builder: inout SnapshotBuilder) async throws -> [String] {
        switch try await api.read("sys/mounts") {
        case .ok(let answer):
            return answer["data"].members.sorted(by: { $0.key < $1.key }).compactMap { path, mount in
                guard mount["type"].string == "kv" || mount["type"].string == "generic",
                    mount["options"]["version"].text == "2"
                else { return nil }
                return path.hasSuffix("/") ? String(path.dropLast()) : path
            }
        case .denied:
            builder.problem(OpenBaoReader.denied("sys/mounts", "read", "KV secrets were not read"))
        case .notFound, .failed:
            builder.problem("openbao: cannot read sys/mounts: KV secrets were not read")
        }
        return []
    }

    /// Whether any audit device records requests.
    private func audit(_ api: OpenBaoAPI, into builder: inout SnapshotBuilder) async throws {
        switch try await api.read("sys/audit") {
        case .ok(let answer):
            let devices =
                answer["data"].members.isEmpty ? answer.members.filter { $0.value["type"].string != nil } : answer["data"].members
            if devices.isEmpty { builder.sourceFinding("no audit device is enabled: token use is not recorded") }
        case .denied:
            builder.problem(
                OpenBaoReader.denied("sys/audit", "read\" and \"sudo", "whether an audit device is enabled is unknown"),
                affectsCompleteness: false)
        case .notFound, .failed:
            builder.problem(
                "openbao: cannot read sys/audit: whether an audit device is enabled is unknown", affectsCompleteness: false)
        }
    }
}
