import Hummingbird

/// Sets the task-local `RefusalScope` around every request, so services deep in a request count the
/// refusals of callers who proved nothing (see `RefusalAggregator`) with the request's source and route.
struct RefusalScopeMiddleware: RouterMiddleware {
    typealias Context = TesseraRequestContext

    let aggregator: RefusalAggregator

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let scope = RefusalScope(
            aggregator: aggregator, source: context.remoteAddress,
            route: "\(request.method.rawValue) \(request.uri.path.prefix(200))")
        return try await RefusalScope.$current.withValue(scope) { try await next(request, context) }
    }
}
