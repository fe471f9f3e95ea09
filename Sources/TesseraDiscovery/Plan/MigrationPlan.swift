import Foundation
import TesseraCore

/// The way off a discovered identity's long-lived credential and onto short-lived, task-scoped ones from Tessera:
/// what to register, what to configure in the source, and how to retire the old credential.
public struct MigrationPlan: Sendable, Codable, Equatable {
    public struct Step: Sendable, Codable, Equatable {
        public let title: String
        /// Commands or a document to apply, verbatim.
        public let text: String

        public init(_ title: String, _ text: String) {
            self.title = title
            self.text = text
        }
    }

    public let identityID: String
    public let externalID: String
    /// One sentence: from what, to what.
    public let summary: String
    /// The SPIFFE ID suggested for the Tessera identity that replaces it.
    public let spiffeID: String
    public let steps: [Step]
    /// How to disable the old credential once nothing uses it (until then it is flagged: `superseded-credential`).
    public let retire: String

    /// Where the plan's server is: its issuer URLs and trust domain.
    public struct Issuer: Sendable {
        public let accessTokenIssuer: String
        public let jwtSVIDIssuer: String?
        public let trustDomain: String

        public init(accessTokenIssuer: String, jwtSVIDIssuer: String?, trustDomain: String) {
            self.accessTokenIssuer = accessTokenIssuer
            self.jwtSVIDIssuer = jwtSVIDIssuer
            self.trustDomain = trustDomain
        }
    }

    /// The plan for `identity`, or nil when its kind has no migration path yet (the reason is then documented).
    public static func make(for identity: DiscoveredIdentity, issuer: Issuer) -> MigrationPlan {
        let spiffeID = suggestedSPIFFEID(identity, trustDomain: issuer.trustDomain)
        let owner = identity.owner ?? "<OWNER>"
        let purpose = identity.claim?.purpose ?? "<PURPOSE>"
        let register = Step(
            "Register the workload in Tessera",
            """
            tessera identity create --spiffe-id \(shellQuote(spiffeID)) --kind service --owner \(shellQuote(owner)) \\
              --purpose \(shellQuote(purpose)) --auth jwt_svid,tls_client_auth\(identity.claim?.environment.map { " --environment \(shellQuote($0))" } ?? "")
            tessera identity migrate \(identity.id) --to <NEW_IDENTITY_ID>   # flags the old credential until it is disabled
            """)
        let parts: (summary: String, steps: [Step], retire: String)
        switch identity.observation.kind {
        case "database-role": parts = postgres(identity)
        case "iam-user", "iam-role": parts = aws(identity, issuer: issuer, spiffeID: spiffeID)
        case "approle", "token": parts = openbao(identity, issuer: issuer, spiffeID: spiffeID)
        case "kv-secret": parts = staticSecret(identity)
        case "host-account": parts = host(identity)
        default:
            parts = (
                "\(text(identity.observation.kind)) \(text(identity.name)) → a Tessera identity with short-lived tokens", [],
                "Disable the credential in its source once the workload uses Tessera tokens."
            )
        }
        return MigrationPlan(
            identityID: identity.id, externalID: identity.externalID, summary: parts.summary, spiffeID: spiffeID,
            steps: [register] + parts.steps, retire: parts.retire)
    }

    /// `spiffe://<trust domain>/discovered/<source>/<name>` with the name reduced to SPIFFE path characters.
    static func suggestedSPIFFEID(_ identity: DiscoveredIdentity, trustDomain: String) -> String {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._")
        var name = String(identity.name.map { allowed.contains($0) ? $0 : "-" }.prefix(128))
        if name.isEmpty || name.allSatisfy({ $0 == "." }) { name = identity.id }
        return "spiffe://\(trustDomain)/discovered/\(identity.source.rawValue)/\(name)"
    }

    /// One shell word: single-quoted, control characters replaced (source text is hostile: a name may hold `$(...)`,
    /// quotes, newlines or terminal escapes, and these commands are meant to be pasted).
    static func shellQuote(_ value: String) -> String {
        "'" + text(value).replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// Source text made safe to print on one line: every C0/C1 control character (newline, ESC, BEL, ...) becomes `?`.
    static func text(_ value: String) -> String {
        String(
            String.UnicodeScalarView(
                value.unicodeScalars.map { scalar in
                    scalar.value < 0x20 || (0x7f...0x9f).contains(scalar.value) ? "?" : scalar
                }))
    }

    enum CodingKeys: String, CodingKey {
        case identityID = "identity_id"
        case externalID = "external_id"
        case summary
        case spiffeID = "spiffe_id"
        case steps, retire
    }
}
