import Foundation
import TesseraCore
import TesseraStore

/// Detectors across the estate rather than one identity: shared keys and tracked static secrets.
struct EstateDetectors {
    let now: Date

    /// Public-key material (the JWK's `x`/`y`/`n`) of each identity's key set.
    static func keyMaterial(_ jwks: String) -> [String] { KeyMaterial.of(jwks) }

    /// One finding per key registered for more than one identity (`owners`: key material → (id, SPIFFE ID)).
    func sharedKeys(_ owners: [String: [(id: String, clientID: String)]]) -> [Finding] {
        owners.filter { $0.value.count > 1 }.sorted { $0.key < $1.key }.map { material, identities in
            let ids = identities.map(\.clientID).sorted()
            // The finding names the first identity by SPIFFE ID, and its inventory id is that identity's.
            let first = identities.first { $0.clientID == ids[0] }
            return Finding(
                category: .sharedCredential, identityID: first?.id, subject: ids[0],
                discriminator: ids.joined(separator: " "),
                title: "one public key is registered for \(ids.count) identities: \(ids.joined(separator: ", "))",
                evidence: ids.map { .inventory("jwks of \($0) contains key \(material.prefix(12))…") })
        }
    }

    /// Secrets found in code, static secrets past their rotation period, and one secret value (fingerprint)
    /// stored at several locations: the same credential path serving several workloads or people.
    func staticSecrets(_ secrets: [StaticSecret]) -> [Finding] {
        var out: [Finding] = []
        for (fingerprint, copies) in Dictionary(grouping: secrets, by: \.fingerprint) where Set(copies.map(\.location)).count > 1
        {
            let locations = Set(copies.map(\.location)).sorted()
            let owners = Set(copies.compactMap(\.owner)).sorted()
            out.append(
                Finding(
                    category: .sharedCredential, identityID: nil, subject: locations[0],
                    discriminator: "secret\u{0}" + fingerprint,
                    title:
                        "one \(copies[0].kind) value is stored at \(locations.count) locations: \(locations.joined(separator: ", "))",
                    evidence: copies.map {
                        Evidence(
                            kind: "static-secret",
                            detail: "\($0.redacted) at \($0.location) (id \($0.id), owner \($0.owner ?? "-"))")
                    } + (owners.count > 1 ? [.inventory("owners: \(owners.joined(separator: ", "))")] : [])))
        }
        for secret in secrets {
            let detail = Evidence(
                kind: "static-secret", detail: "\(secret.kind) \(secret.redacted) at \(secret.location) (id \(secret.id))")
            if secret.source == "scan" {
                out.append(
                    Finding(
                        category: .secretInCode, identityID: nil, subject: secret.location, discriminator: secret.fingerprint,
                        title: "hard-coded \(secret.kind) at \(secret.location)", evidence: [detail]))
            }
            if secret.rotationDue <= now {
                let since =
                    secret.lastRotatedAt.map { "last rotated \(ISO8601.format($0))" }
                    ?? "never rotated since \(ISO8601.format(secret.createdAt))"
                out.append(
                    Finding(
                        category: .unrotatedSecret, identityID: nil, subject: secret.location, discriminator: secret.fingerprint,
                        title:
                            "\(secret.kind) at \(secret.location) is past its \(secret.rotationPeriodDays)-day rotation (\(since))",
                        evidence: [detail]))
            }
        }
        return out
    }

    /// One finding per audit sink whose latest record says it is lagging (`sink.lagging` after any `sink.caught_up`),
    /// unless its cursor is back under half the bound (a server restarted while it lagged does not know it reported
    /// it, so it never writes `sink.caught_up`). `head` is the last chain seq folded.
    func laggingSinks(_ marks: [String: SinkMark], head: Int64, cursors: [AuditSinkCursor]) -> [Finding] {
        let delivered = Dictionary(cursors.map { ($0.sink, $0.deliveredSeq) }, uniquingKeysWith: max)
        return marks.filter(\.value.lagging).sorted { $0.key < $1.key }.compactMap { sink, mark in
            let cursor = delivered[sink]
            if let cursor, mark.maximumLag > 0, head.saturatingSubtracting(cursor) <= mark.maximumLag / 2 { return nil }
            let behind = cursor.map {
                "now \(max(0, head.saturatingSubtracting($0))) records behind (delivered through #\($0), head #\(head))"
            }
            return Finding(
                category: .laggingSink, identityID: nil, subject: "sink:" + sink, discriminator: sink,
                title: "audit sink \(sink) fell \(mark.lag) records behind its bound of \(mark.maximumLag)",
                evidence: [.audit(mark.seq, "sink.lagging at \(ISO8601.format(Date(timeIntervalSince1970: mark.time)))")]
                    + (behind.map { [.inventory($0)] } ?? []))
        }
    }
}
