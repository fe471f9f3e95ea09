import Foundation
import Hummingbird
import Logging
import TesseraStore
import TesseraTestSupport
import Testing

@testable import TesseraServer

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Storage errors that reach the HTTP layer answer what they mean as RFC 9457 problems: not found 404, conflict 409,
/// unavailable 503; an unreadable record is a 500 that names nothing internal.
@Suite(.stopsServers) struct ErrorMiddlewareTests {
    @Test func storageErrorsBecomeTheirStatus() async throws {
        let router = Router(context: TesseraRequestContext.self)
        router.add(middleware: ErrorMiddleware())
        let errors: [String: StoreError] = [
            "missing": StoreError(.notFound, "no lease with id l1"),
            "clash": StoreError(.conflict, "lease l1 is already revoked"),
            "down": StoreError(.unavailable, "database is locked"), "broken": StoreError(.corrupted, "row 7 has an unknown kind"),
        ]
        for (path, error) in errors {
            router.get(RouterPath("v1/\(path)")) { _, _ -> Response in throw error }
        }
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in continuation.yield(channel.localAddress?.port ?? 0) },
            logger: Logger(label: "error-middleware-test"))
        _ = try ServerScope.serve("application", app)
        var iterator = ports.makeAsyncIterator()
        let port = try #require(await iterator.next())
        func get(_ path: String) async throws -> (Int, [String: Any]) {
            let (data, response) = try await HTTPTestClient.data(
                for: URLRequest(url: URL(string: "http://127.0.0.1:\(port)/v1/\(path)")!))
            return (
                (response as? HTTPURLResponse)?.statusCode ?? 0,
                (try? JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:]
            )
        }
        let (missing, missingBody) = try await get("missing")
        #expect(missing == 404 && missingBody["detail"] as? String == "no lease with id l1")
        let (clash, clashBody) = try await get("clash")
        #expect(clash == 409 && clashBody["detail"] as? String == "lease l1 is already revoked")
        #expect(try await get("down").0 == 503)
        let (broken, brokenBody) = try await get("broken")
        #expect(broken == 500)
        #expect(!(brokenBody["detail"] as? String ?? "").contains("row 7"), "the record's internals stay in the log")
    }
}
