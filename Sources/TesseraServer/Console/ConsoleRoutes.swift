import Foundation
import Hummingbird
import NIOCore
import TesseraCore
import TesseraStore

/// The web console: static files at `/console` (no data in them; everything comes from the admin API with
/// the bearer token the page keeps in `sessionStorage`) and the read-only `/v1/console` JSON.
struct ConsoleRoutes {
    let api: ConsoleAPIRoutes

    init(
        storage: any TesseraStorage, identities: any IdentityRepository, trustDomain: String, clock: any TimeSource,
        findings: LatestFindings = LatestFindings()
    ) {
        api = ConsoleAPIRoutes(
            reader: storage.console, tasks: storage.tasks, identities: identities, trustDomain: trustDomain, clock: clock,
            overview: OverviewService(
                reader: storage.console, audit: storage.audit, tasks: storage.tasks, posture: storage.posture,
                findings: findings, clock: clock))
    }

    /// No inline script or style, no third-party origin, no framing, no form posts, no `<base>` games.
    static let contentSecurityPolicy = [
        "default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "connect-src 'self'",
        "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'",
    ].joined(separator: "; ")

    func register(public router: Router<TesseraRequestContext>, admin: RouterGroup<AdminRequestContext>) {
        router.get("/") { _, _ in Self.redirect(to: "/console/") }
        router.get("console") { _, _ in Self.asset(ConsoleAssets.indexHTML, type: "text/html; charset=utf-8") }
        router.get("console/app.js") { _, _ in Self.asset(ConsoleAssets.appJS, type: "text/javascript; charset=utf-8") }
        router.get("console/app.css") { _, _ in Self.asset(ConsoleAssets.appCSS, type: "text/css; charset=utf-8") }
        api.register(in: admin)
    }

    static func redirect(to location: String) -> Response {
        var headers = HTTPFields()
        headers[.location] = location
        return Response(status: .found, headers: headers)
    }

    static func asset(_ text: String, type: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = type
        headers[.init("Content-Security-Policy")!] = contentSecurityPolicy
        headers[.init("X-Frame-Options")!] = "DENY"
        headers[.init("Referrer-Policy")!] = "no-referrer"
        headers[.init("Cross-Origin-Opener-Policy")!] = "same-origin"
        headers[.cacheControl] = "no-cache"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
