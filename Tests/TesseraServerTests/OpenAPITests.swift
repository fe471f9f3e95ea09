import Foundation
import TesseraServer
import TesseraTestSupport
import Testing

/// The OpenAPI document is kept true: every route the server registers is documented, every documented
/// route exists, the served copy equals openapi/openapi.json, and the document is structurally sound.
@Suite(.serialized, .stopsServers) struct OpenAPITests {
    private static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    @Test func everyRouteIsDocumentedAndEveryDocumentedRouteExists() async throws {
        let server = try await TestServer.start()
        let served = try await server.send("GET", "/openapi.json")
        #expect(served.status == 200)
        let file = try Data(contentsOf: Self.repository.appendingPathComponent("openapi/openapi.json"))
        #expect(served.body == file, "run: tessera openapi > openapi/openapi.json")
        let document = try #require(try JSONSerialization.jsonObject(with: file) as? [String: Any])
        #expect(document["openapi"] as? String == "3.1.0")
        let paths = try #require(document["paths"] as? [String: [String: Any]])
        var documented: Set<String> = []
        for (path, operations) in paths {
            for method in operations.keys { documented.insert("\(method.uppercased()) \(path)") }
        }
        // Lifecycle routes registered once per action (suspend, end, approve, ...) are documented once as
        // `{action}`; routes only present with optional configuration are documented anyway.
        func normalised(_ route: String) -> String {
            guard !documented.contains(route) else { return route }
            let parts = route.split(separator: " ", maxSplits: 1).map(String.init)
            var segments = parts[1].split(separator: "/").map(String.init)
            guard segments.count >= 3, segments[segments.count - 2].hasPrefix("{") else { return route }
            segments[segments.count - 1] = "{action}"
            return parts[0] + " /" + segments.joined(separator: "/")
        }
        let conditional: Set<String> = ["POST /v1/secrets/postgres"]
        let registered = Set(server.routeList.map(normalised)).union(conditional)
        let undocumented = registered.subtracting(documented).sorted()
        let phantom = documented.subtracting(registered).sorted()
        #expect(
            undocumented.isEmpty,
            "routes missing from openapi (add them to Sources/TesseraServer/Routes/OpenAPI/APIOperation+<tag>.swift): \(undocumented)"
        )
        #expect(phantom.isEmpty, "documented routes the server does not have: \(phantom)")
        // Structural checks: every $ref resolves, every operation has responses and an operationId.
        let schemas = try #require((document["components"] as? [String: Any])?["schemas"] as? [String: Any])
        let text = String(decoding: file, as: UTF8.self)
        for match in text.matches(of: /"#\/components\/schemas\/([A-Za-z]+)"/) {
            #expect(schemas[String(match.1)] != nil, "dangling $ref \(match.1)")
        }
        for (_, operations) in paths {
            for (_, operation) in operations {
                let operation = try #require(operation as? [String: Any])
                #expect(operation["operationId"] is String)
                #expect((operation["responses"] as? [String: Any])?.isEmpty == false)
            }
        }
    }
}
