import TesseraCore

/// One pattern per class (docs/federation.md): an identity's kind decides how it may obtain tokens.
///
/// | class | pattern |
/// |---|---|
/// | service, api-client, batch-job, container, ai-agent, third-party | `client_credentials` with `private_key_jwt` or `tls_client_auth`; token exchange (as actor, or its own token) |
/// | pipeline | token exchange of its CI system's token, mapped by a rule; no keys of its own, never an actor |
/// | people (not identities) | OIDC sign-in; their tokens are exchanged only in a delegation inside a task they started |
///
/// Client secrets and HTTP Basic are refused for every class (docs/foundation.md).
enum GrantPatterns {
    enum Grant: String {
        case clientCredentials = "client_credentials"
        case exchangeAsActor = "token_exchange_actor"
        case exchangeOwnToken = "token_exchange_own"
        case exchangeMapped = "token_exchange_mapped"
    }

    /// Why `kind` may not use `grant`, or `nil` when it may.
    static func refusal(kind: IdentityKind, grant: Grant) -> String? {
        switch (kind, grant) {
        case (.pipeline, .clientCredentials), (.pipeline, .exchangeAsActor), (.pipeline, .exchangeOwnToken):
            return "pipelines obtain tokens only by exchanging their CI system's token (mapped by a rule of a trusted issuer), "
                + "not with \(grant.rawValue)"
        default:
            return nil
        }
    }
}
