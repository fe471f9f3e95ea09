import Foundation
import Synchronization
import TesseraAudit

/// The request a refusal belongs to, as a task-local value set by `RefusalScopeMiddleware` around every request:
/// services that refuse a caller who proved nothing (no verified client, admin or node) count the refusal with
/// `aggregate(type:code:reason:)` instead of appending one audit record each. Outside a request (tests, the
/// benchmark driving `TokenService` directly) there is no scope and callers write individual records.
public struct RefusalScope: Sendable {
    @TaskLocal public static var current: RefusalScope?

    let aggregator: RefusalAggregator
    /// The caller's IP address.
    let source: String?
    /// `METHOD /path` of the request.
    let route: String
    /// Single-use keys (client assertion `jti`s) this request consumed that are not yet durable: a refusal after
    /// an assertion verified must still remember it across a restart (docs/threat-model.md).
    let consumed = ConsumedReplayKeys()

    init(aggregator: RefusalAggregator, source: String?, route: String) {
        self.aggregator = aggregator
        self.source = source
        self.route = route
    }

    /// Counts an unauthenticated refusal of this request.
    public func aggregate(type: String, code: String, reason: String) {
        aggregator.record(type: type, code: code, reason: reason, source: source, route: route)
    }
}

/// The replay keys one request consumed in memory only (SQLite storage keeps them beside the audit record that
/// uses them; a refused request has no such record).
final class ConsumedReplayKeys: Sendable {
    private let keys = Mutex<[ReplayGuard]>([])

    func add(_ guardKey: ReplayGuard) { keys.withLock { $0.append(guardKey) } }

    /// The keys noted so far, emptied.
    func take() -> [ReplayGuard] {
        keys.withLock { keys in
            defer { keys = [] }
            return keys
        }
    }
}

/// Which refusals of `TokenService` came from a caller that proved nothing.
///
/// A refusal is unauthenticated when the caller proved nothing: malformed or missing client authentication, an
/// assertion naming an unknown client, failing its signature check, or whose signature verifies but which is
/// replayed, expired, not yet valid, too long-lived or for another audience (anyone who captured it can resend it),
/// an unsupported grant, HTTP Basic, a bad DPoP proof on client credentials, or a token exchange whose caller has not
/// proved itself. A refusal after a valid, fresh assertion (policy denial, scope, audience of the token, ...) is
/// authenticated and keeps its own record. Unknown descriptions count as authenticated, so a changed message never
/// drops an individual record silently.
enum TokenRefusalClassifier {
    /// Descriptions (prefixes) of refusals issued before any signature verified.
    static let preAuthentication: [String] = [
        "grant_type is required", "grant_type '", "HTTP Basic client secrets are not accepted",
        "DPoP is not enabled", "token exchange is not enabled",
        "client secrets are not accepted", "client authentication is required", "client_assertion_type must be",
        "malformed client assertion", "client assertion has typ", "client assertion must carry iss and sub",
        "client_id does not match the assertion's issuer", "unknown client",
        "client assertion signature is not valid", "this client does not authenticate with private_key_jwt",
        // A signature that verifies on an assertion that is replayed, expired, not yet valid, too long-lived or for
        // another audience proves nothing either: anyone who captured it can send it again (docs/threat-model.md).
        "client assertion aud must be exactly one value", "client assertion has no exp", "client assertion has expired",
        "client assertion expires too far in the future", "client assertion is not valid yet",
        "client assertion was issued in the future", "client assertion is too old", "client assertion must carry a jti",
        "client assertion jti was already used",
    ]

    /// Whether `error` (with the audit `details` its caller gathered) was refused before anything verified.
    static func isUnauthenticated(_ error: OAuthError, grantType: String?, details: [String: AuditValue]) -> Bool {
        if error.code == .serverError { return false }
        if grantType == TokenService.tokenExchange {
            // The exchange itself says whether its caller proved anything (`authenticated:`); this decides only for the
            // refusals before it starts (DPoP, HTTP Basic, replay protection), where nothing verified.
            return details["subject"] == nil
        }
        guard details.isEmpty else { return false }
        if error.code == .invalidDPoPProof { return true }  // checked before client authentication
        let description = error.description
        return preAuthentication.contains { description.hasPrefix($0) }
    }
}
