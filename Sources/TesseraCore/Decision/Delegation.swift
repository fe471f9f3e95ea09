/// What the decision point knows about a token exchange (RFC 8693): whose token it is, who acts, and where
/// the subject token came from.
public struct Delegation: Sendable, Equatable {
    /// The subject of the exchanged token: a SPIFFE ID, or `human:<name>` for a person.
    public let subject: String
    /// `workload` or `human`.
    public let subjectKind: String
    /// The actors after the exchange, outermost (the new holder) first; empty when nobody acts for the subject.
    public let actors: [String]
    /// The `iss` of the subject token (Tessera itself for its own tokens, the trust domain for JWT-SVIDs).
    public let sourceIssuer: String
    /// The claim-mapping rule that mapped an external token to an identity, or "".
    public let mappingRule: String
    /// Claims of an external subject token (flattened; only the schema's known names reach Cedar).
    public let claims: [String: String]

    public init(
        subject: String, subjectKind: String, actors: [String], sourceIssuer: String, mappingRule: String = "",
        claims: [String: String] = [:]
    ) {
        self.subject = subject
        self.subjectKind = subjectKind
        self.actors = actors
        self.sourceIssuer = sourceIssuer
        self.mappingRule = mappingRule
        self.claims = claims
    }
}
