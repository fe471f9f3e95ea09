/// The OpenAPI 3.1 document of the HTTP API, built from ``APIOperation/all`` and the component schemas: served at
/// `/openapi.json`, printed by `tessera openapi` (which writes the committed `openapi/openapi.json`; a test checks
/// they are equal), and kept true to the router by `OpenAPITests`.
public enum OpenAPIDocument {
    /// The document as served: pretty JSON with a final newline.
    public static let json: String = document(APIOperation.all).rendered() + "\n"

    static func document(_ operations: [APIOperation]) -> OpenAPIValue {
        var paths: [String: [(String, OpenAPIValue)]] = [:]
        var order: [String] = []
        for operation in operations {
            if paths[operation.path] == nil { order.append(operation.path) }
            paths[operation.path, default: []].append((operation.method, Self.operation(operation)))
        }
        return [
            "openapi": "3.1.0",
            "info": [
                "title": "Tessera", "version": "0.1.0",
                "description": .string(
                    "Control plane for non-human identities: inventory, short-lived task-scoped credentials, "
                        + "request-time policy (Cedar), tamper-evident audit, posture."),
            ],
            "servers": [["url": "http://127.0.0.1:8443"]],
            "paths": .object(order.sorted().map { ($0, .object(paths[$0]!)) }),
            "components": [
                "schemas": schemas,
                "securitySchemes": [
                    "adminToken": [
                        "type": "http", "scheme": "bearer", "description": "admin token (tsr_admin_...) or a human session",
                    ],
                    "accessToken": [
                        "type": "http", "scheme": "bearer", "bearerFormat": "JWT", "description": "a Tessera access token",
                    ],
                    "nodeProof": ["type": "http", "scheme": "bearer", "description": "Authorization: SVID <node proof JWT>"],
                ],
            ],
        ]
    }

    static func operation(_ operation: APIOperation) -> OpenAPIValue {
        let id = "\(operation.method)_\(operation.path)".map { character -> String in
            switch character {
            case "/", "-": "_"
            case "{", "}", ".": ""
            default: String(character)
            }
        }.joined()
        var fields: [(String, OpenAPIValue)] = [
            ("tags", [.string(operation.tag)]), ("summary", .string(operation.summary)), ("operationId", .string(id)),
        ]
        let parameters: [OpenAPIValue] = operation.path.split(separator: "/").filter { $0.hasPrefix("{") }.map {
            ["name": .string(String($0.dropFirst().dropLast())), "in": "path", "required": true, "schema": ["type": "string"]]
        }
        if !parameters.isEmpty { fields.append(("parameters", .array(parameters))) }
        fields.append(("security", security(operation.security)))
        if let request = operation.request, let schema = schema(request) {
            let form = operation.path.hasPrefix("/oauth2/") || ["/auth/token", "/auth/cli/continue"].contains(operation.path)
            let type = form ? "application/x-www-form-urlencoded" : "application/json"
            fields.append(("requestBody", ["required": true, "content": .object([(type, ["schema": schema] as OpenAPIValue)])]))
        }
        fields.append(("responses", responses(operation)))
        return .object(fields)
    }

    static func responses(_ operation: APIOperation) -> OpenAPIValue {
        var responses: [(String, OpenAPIValue)] = []
        let created =
            operation.method == "post"
            && [.schema("Identity"), .schema("Task"), .schema("Exception")].contains(operation.response)
            && operation.path.filter { $0 == "/" }.count <= 2
        if operation.response == .empty {
            responses.append((operation.path.hasPrefix("/v1/") ? "204" : "200", ["description": "done"]))
        } else if let schema = schema(operation.response) {
            let type =
                switch operation.response {
                case .text: "text/plain"
                case .ndjson: "application/x-ndjson"
                case .jws: "application/jwt"
                default: "application/json"
                }
            responses.append(
                (
                    created ? "201" : "200",
                    ["description": "success", "content": .object([(type, ["schema": schema] as OpenAPIValue)])]
                ))
        }
        let oauth = operation.path.hasPrefix("/oauth2/token")
        let error: OpenAPIValue = ["$ref": .string("#/components/schemas/" + (oauth ? "OAuthError" : "Problem"))]
        responses.append(
            (
                "4XX",
                [
                    "description": "refused",
                    "content": .object([
                        (oauth ? "application/json" : "application/problem+json", ["schema": error] as OpenAPIValue)
                    ]),
                ]
            ))
        return .object(responses)
    }

    static func schema(_ body: APIOperation.Body) -> OpenAPIValue? {
        switch body {
        case .empty: nil
        case .object: ["type": "object"]
        case .text: ["type": "string"]
        case .ndjson: ["type": "string", "description": "one audit record (JSON) per line"]
        case .jws: ["type": "string", "description": "compact JWS, typ revocation-list+jwt"]
        case .schema(let name): ["$ref": .string("#/components/schemas/" + name)]
        }
    }

    static func security(_ security: APIOperation.Security) -> OpenAPIValue {
        switch security {
        case .admin: [["adminToken": []]]
        case .access: [["accessToken": []]]
        case .node: [["nodeProof": []]]
        case .client, .none: []
        }
    }
}
