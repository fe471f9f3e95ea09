import Foundation
import Hummingbird
import TesseraStore

/// `/readyz` (dependencies answer), `/openapi.json`, and `/metrics` (Prometheus text, admin bearer token required).
struct OperationsRoutes {
    let metrics: ServerMetrics
    let database: any TesseraStorage
    let policies: PolicyEngine
    let admins: AdminAuthenticator

    func register(in router: Router<TesseraRequestContext>) {
        router.get("readyz") { _, _ in
            var checks: [String: String] = [:]
            do {
                try await database.ping()
                checks["database"] = "ok"
            } catch {
                checks["database"] = "unavailable"
            }
            checks["policies"] = policies.bundle.policies.policies.isEmpty ? "empty" : "ok"
            let ready = checks.values.allSatisfy { $0 == "ok" }
            struct Body: Encodable {
                let status: String
                let checks: [String: String]
            }
            var response = try Response.json(Body(status: ready ? "ready" : "not ready", checks: checks))
            if !ready { response.status = .serviceUnavailable }
            return response
        }
        router.get("openapi.json") { _, _ in
            Response.json(Data(OpenAPIDocument.json.utf8), cacheable: true)
        }
        router.get("metrics") { request, _ in
            guard try await admins.authenticate(authorization: request.headers[.authorization]) != nil else {
                throw ProblemDetails(.unauthorized, "Unauthorized", detail: "metrics need an admin bearer token")
            }
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: metrics.render())))
        }
    }
}
