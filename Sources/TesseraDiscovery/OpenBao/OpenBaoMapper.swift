import Foundation
import TesseraCore

/// Turns OpenBao/Vault API answers (the `data` member) into observations. Pure: the connector fetches, this maps,
/// so the mapping is tested on answers captured from a real server. Token and secret-id accessors are kept only as
/// ``CredentialFingerprint``s; no secret value is ever part of an answer read here.
public struct OpenBaoMapper: Sendable {
    /// `openbao://host:port`.
    public let scope: String
    public let analysis: OpenBaoPolicyAnalysis
    /// The accessor of the token discovery runs with (from `auth/token/lookup-self`).
    public let selfAccessor: String?

    public init(scope: String, analysis: OpenBaoPolicyAnalysis, selfAccessor: String?) {
        self.scope = scope
        self.analysis = analysis
        self.selfAccessor = selfAccessor
    }

    static let tokenUsageUnknown = "OpenBao does not record when a token was last used (only an audit device's log does)"
    static let roleUsageUnknown =
        "OpenBao does not record when an AppRole was last used to log in (only an audit device's log does)"
    static let readUnknown = "OpenBao does not record when a KV secret was last read (only an audit device's log does)"

    /// An AppRole from `GET auth/<mount>/role/<name>` and its secret IDs (`secret-id-accessor/lookup` answers);
    /// `secretIDProblem` says why the secret IDs could not be listed, if they could not.
    public func appRole(
        mount: String, name: String, role: OpenBaoValue, secretIDs: [(accessor: String, data: OpenBaoValue)],
        secretIDProblem: String? = nil
    ) -> DiscoveryObservation {
        let policies = unique(role["token_policies"].strings + role["policies"].strings)
        var attributes = ["mount": mount, "token_policies": policies.joined(separator: ",")]
        for key in [
            "secret_id_ttl", "secret_id_num_uses", "token_ttl", "token_max_ttl", "token_explicit_max_ttl", "token_period",
            "token_num_uses", "token_type", "bind_secret_id", "local_secret_ids", "secret_id_bound_cidrs", "token_bound_cidrs",
        ] {
            if let text = role[key].text { attributes[key] = text }
        }
        var unknowns = [Self.roleUsageUnknown]
        if let secretIDProblem {
            unknowns.append("secret IDs not read: \(secretIDProblem)")
        } else {
            attributes["secret_ids"] = String(secretIDs.count)
        }
        let credentials = secretIDs.map { entry in
            var details: [String: String] = [:]
            for key in ["secret_id_num_uses", "secret_id_ttl", "cidr_list", "token_bound_cidrs"] {
                if let text = entry.data[key].text { details[key] = text }
            }
            if let updated = entry.data["last_updated_time"].date { details["last_updated_time"] = ISO8601.format(updated) }
            return DiscoveredCredential(
                kind: "secret-id", reference: CredentialFingerprint.of(entry.accessor), status: "active",
                createdAt: entry.data["creation_time"].date, expiresAt: entry.data["expiration_time"].date, expiryKnown: true,
                details: details)
        }
        return DiscoveryObservation(
            externalID: "\(scope)/auth/\(mount)/role/\(name)", name: name, kind: "approle", credentials: credentials,
            grants: policies.map { "policy: \($0)" } + analysis.sudoGrants(for: policies),
            privileged: analysis.evidence(for: policies), usageKnown: false, attributes: attributes, unknowns: unknowns)
    }

    /// A token from `auth/token/lookup-accessor` (or `lookup-self`); `nil` when the answer names no accessor.
    public func token(_ data: OpenBaoValue) -> DiscoveryObservation? {
        guard let accessor = data["accessor"].string, !accessor.isEmpty else { return nil }
        let fingerprint = CredentialFingerprint.of(accessor)
        let policies = data["policies"].strings
        let identityPolicies = data["identity_policies"].strings
        let expires = data["expire_time"].date
        var attributes: [String: String] = ["policies": policies.joined(separator: ",")]
        // Not `ttl`: it counts down, and an attribute that changes on every run would make re-runs not idempotent.
        for key in [
            "orphan", "renewable", "creation_ttl", "explicit_max_ttl", "period", "num_uses", "type", "path",
            "display_name", "entity_id",
        ] {
            if let text = data[key].text, !text.isEmpty { attributes[key] = text }
        }
        if !identityPolicies.isEmpty { attributes["identity_policies"] = identityPolicies.joined(separator: ",") }
        for (key, value) in data["meta"].members.sorted(by: { $0.key < $1.key }).prefix(32) {
            if let text = value.text { attributes["meta.\(key)"] = String(text.prefix(256)) }
        }
        if expires == nil { attributes["non_expiring"] = "true" }
        if accessor == selfAccessor { attributes["discovery_token"] = "true" }
        let all = unique(policies + identityPolicies)
        var privileged = all.contains("root") ? ["root token"] : []
        privileged += analysis.evidence(for: all.filter { $0 != "root" })
        let created = data["creation_time"].int.map { Date(timeIntervalSince1970: TimeInterval($0)) } ?? data["issue_time"].date
        let credential = DiscoveredCredential(
            kind: "token", reference: fingerprint, status: "active", createdAt: created, expiresAt: expires, expiryKnown: true,
            details: attributes.filter {
                ["creation_ttl", "renewable", "period", "explicit_max_ttl", "num_uses", "type"].contains($0.key)
            })
        let displayName = data["display_name"].string.flatMap { $0.isEmpty ? nil : $0 } ?? "token"
        return DiscoveryObservation(
            externalID: "\(scope)/token/\(fingerprint)", name: displayName, kind: "token", credentials: [credential],
            grants: policies.map { "policy: \($0)" } + identityPolicies.map { "identity policy: \($0)" }
                + analysis.sudoGrants(for: all),
            privileged: privileged, usageKnown: false, createdAt: created, attributes: attributes,
            unknowns: [Self.tokenUsageUnknown])
    }

    /// A KV version 2 secret from `GET <mount>/metadata/<path>`: the secret's metadata, never its data.
    public func kvSecret(mount: String, path: String, metadata: OpenBaoValue) -> DiscoveryObservation {
        let current = metadata["current_version"].int ?? 0
        let version = metadata["versions"][String(current)]
        let versionCreated = version["created_time"].date ?? metadata["updated_time"].date
        var attributes = ["mount": mount, "path": path, "current_version": String(current)]
        for key in ["oldest_version", "max_versions", "delete_version_after", "cas_required"] {
            if let text = metadata[key].text { attributes[key] = text }
        }
        for key in ["created_time", "updated_time"] {
            if let date = metadata[key].date { attributes[key] = ISO8601.format(date) }
        }
        for (key, value) in metadata["custom_metadata"].members.sorted(by: { $0.key < $1.key }).prefix(32) {
            if let text = value.text { attributes["custom_metadata.\(key)"] = String(text.prefix(256)) }
        }
        let deleted = !(version["deletion_time"].string ?? "").isEmpty || version["destroyed"].bool == true
        let lifetime = metadata["delete_version_after"].string.flatMap(Self.goDuration) ?? 0
        let expires = lifetime > 0 ? versionCreated.map { $0.addingTimeInterval(lifetime) } : nil
        let credential = DiscoveredCredential(
            kind: "static-secret", reference: "\(mount)/\(path)", status: deleted ? "inactive" : "active",
            createdAt: versionCreated, expiresAt: expires, expiryKnown: true, details: ["version": String(current)])
        return DiscoveryObservation(
            externalID: "\(scope)/\(mount)/metadata/\(path)", name: "\(mount)/\(path)", kind: "kv-secret",
            credentials: [credential], usageKnown: false, createdAt: metadata["created_time"].date, attributes: attributes,
            unknowns: [Self.readUnknown])
    }

    /// Seconds in a Go duration (`768h0m0s`, `90s`, `1h30m`); `nil` when it is not one.
    static func goDuration(_ text: String) -> TimeInterval? {
        var total: TimeInterval = 0
        var number = ""
        for character in text {
            if character.isNumber || character == "." {
                number.append(character)
                continue
            }
            guard let value = Double(number) else { return nil }
            switch character {
            case "h": total += value * 3600
            case "m": total += value * 60
            case "s": total += value
            default: return nil
            }
            number = ""
        }
        return number.isEmpty ? total : Double(number)
    }

    private func unique(_ items: [String]) -> [String] {
        var seen = Set<String>()
        return items.filter { seen.insert($0).inserted }
    }
}
