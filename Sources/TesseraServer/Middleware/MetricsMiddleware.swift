import Foundation
import Hummingbird
import NIOCore

/// Counts and times every request by matched route, and every token-endpoint request by grant type and
/// outcome. Also gives each request an id (`X-Request-Id`, echoed or generated) carried in its log metadata.
struct MetricsMiddleware: RouterMiddleware {
    typealias Context = TesseraRequestContext
    let metrics: ServerMetrics
    let maximumBodySize: Int

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let started = ContinuousClock.now
        var context = context
        let requestID = Self.requestID(request.headers[.init("X-Request-Id")!])
        context.logger[metadataKey: "request_id"] = .string(requestID)
        var request = request
        var grant: String?
        if request.method == .post, request.uri.path == "/oauth2/token" {
            grant = "unknown"
            // Peek at the form only when its declared length is within the limit: collecting it then cannot
            // fail on size, and the handler reads the collected copy. Anything else is left to the handler
            // (which refuses it with an OAuth error); a body that breaks mid-read fails the request here.
            if let length = request.headers[.contentLength].flatMap(Int.init), length <= maximumBodySize {
                let body = try await request.collectBody(upTo: maximumBodySize)
                grant = Self.grantType(String(buffer: body))
            }
        }
        let status: Int
        var response: Response
        do {
            response = try await next(request, context)
            status = response.status.code
        } catch let error as any HTTPResponseError {
            record(request, context: context, status: error.status.code, grant: grant, started: started)
            throw error
        } catch {
            record(request, context: context, status: 500, grant: grant, started: started)
            throw error
        }
        record(request, context: context, status: status, grant: grant, started: started)
        response.headers[.init("X-Request-Id")!] = requestID
        return response
    }

    private func record(_ request: Request, context: Context, status: Int, grant: String?, started: ContinuousClock.Instant) {
        let duration = ContinuousClock.now - started
        // Unmatched paths share one label so scanners cannot blow up the label space.
        let route = context.endpointPath ?? "unmatched"
        metrics.httpRequest(route: route, method: request.method.rawValue, status: status, duration: duration)
        if let grant {
            metrics.issuance(grant: grant, outcome: status == 200 ? "issued" : (status < 500 ? "refused" : "error"), duration: duration)
        }
    }

    /// The `grant_type` of a form body, reduced to a known label.
    static func grantType(_ form: String) -> String {
        for pair in form.split(separator: "&") where pair.hasPrefix("grant_type=") {
            let value = String(pair.dropFirst("grant_type=".count)).removingPercentEncoding ?? ""
            switch value {
            case "client_credentials": return "client_credentials"
            case "urn:ietf:params:oauth:grant-type:token-exchange": return "token_exchange"
            case "urn:ietf:params:oauth:grant-type:jwt-bearer": return "jwt_bearer"
            default: return "other"
            }
        }
        return "missing"
    }

    /// A caller's request id if it is short and plain, else a fresh one.
    static func requestID(_ given: String?) -> String {
        if let given, (1...64).contains(given.count),
            given.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") })
        {
            return given
        }
        return UUID().uuidString.lowercased()
    }
}
