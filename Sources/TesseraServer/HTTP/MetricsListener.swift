import Hummingbird
import HummingbirdCore
import Logging

/// The optional Prometheus listener (`--metrics-listen HOST:PORT`): `GET /metrics` without credentials, nothing
/// else, on its own address, as SPIRE's telemetry listener does. Meant for a private interface a scraper reaches;
/// the main listener keeps `/metrics` behind the admin token.
struct MetricsListener {
    let host: String
    let port: Int

    /// Parses `HOST:PORT` (`127.0.0.1:9090`, `[::1]:9090`, `0.0.0.0:9090`; port 0 picks a free one).
    init(parsing text: String) throws(ServerError) {
        let address = try ListenAddress(
            parsing: text, usage: "--metrics-listen must be HOST:PORT (e.g. 127.0.0.1:9090 or [::1]:9090)", ports: 0...65535)
        self.host = address.host
        self.port = address.port
    }

    /// The listener's application: the metrics route only, with the main listeners' deadlines and per-source cap.
    func application(
        metrics: ServerMetrics, settings: ListenerConfiguration, limiter: ConnectionLimiter, logger: Logger
    ) -> some ApplicationProtocol {
        let router = Router()
        router.get("metrics") { _, _ in
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: metrics.render())))
        }
        return Application(
            router: router, server: ListenerPipeline.http1(settings, limiter: limiter),
            configuration: .init(address: .hostname(host, port: port), serverName: "tessera-metrics"), logger: logger)
    }
}
