import Foundation
import Hummingbird
import NIOCore

/// Counts and times every request by matched route (token requests by grant type are counted by `TokenService`).
/// Also gives each request an id (`X-Request-Id`, echoed or generated) carried in its log metadata.
struct MetricsMiddleware: RouterMiddleware {
    typealias Context = TesseraRequestContext
    let metrics: ServerMetrics

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let started = ContinuousClock.now
        var context = context
        let requestID = Self.requestID(request.headers[.init("X-Request-Id")!])
        context.logger[metadataKey: "request_id"] = .string(requestID)
        let status: Int
        var response: Response
        do {
            response = try await next(request, context)
            status = response.status.code
        } catch let error as any HTTPResponseError {
            record(request, context: context, status: error.status.code, started: started)
            throw error
        } catch {
            record(request, context: context, status: 500, started: started)
            throw error
        }
        record(request, context: context, status: status, started: started)
        response.headers[.init("X-Request-Id")!] = requestID
        return response
    }

    private func record(_ request: Request, context: Context, status: Int, started: ContinuousClock.Instant) {
        let duration = ContinuousClock.now - started
        // Unmatched paths share one label so scanners cannot blow up the label space.
        let route = context.endpointPath ?? "unmatched"
        metrics.httpRequest(route: route, method: request.method.rawValue, status: status, duration: duration)
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
