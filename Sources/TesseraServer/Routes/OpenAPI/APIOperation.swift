/// One documented operation of the HTTP API: what the OpenAPI document says about a route the router registers
/// (`OpenAPITests` keeps the two lists equal).
struct APIOperation: Sendable {
    /// Who may call it.
    enum Security: Sendable {
        /// An admin bearer token (`tsr_admin_…`) or a signed-in person's session.
        case admin
        /// A Tessera access token.
        case access
        /// OAuth client authentication in the form: private_key_jwt, a JWT-SVID or mutual TLS.
        case client
        /// A node agent's proof (`Authorization: SVID …`).
        case node
        /// Nothing.
        case none
    }

    /// Request or response body: a named component schema, or one of the plain shapes.
    enum Body: Sendable, Equatable {
        case schema(String)
        case object
        case text
        case ndjson
        case jws
        /// No body (`204`, or `200` outside `/v1/`).
        case empty
    }

    let method: String
    let path: String
    let tag: String
    let summary: String
    let security: Security
    let request: Body?
    let response: Body

    init(
        _ method: String, _ path: String, _ tag: String, _ summary: String, _ security: Security, _ request: Body?,
        _ response: Body
    ) {
        self.method = method
        self.path = path
        self.tag = tag
        self.summary = summary
        self.security = security
        self.request = request
        self.response = response
    }
}
