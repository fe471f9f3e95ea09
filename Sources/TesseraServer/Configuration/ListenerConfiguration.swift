import Foundation

/// What one connection or one unauthenticated caller may cost the server's HTTP listeners (plain and mTLS).
public struct ListenerConfiguration: Sendable {
    /// Seconds a connection may stay silent: before its request head is complete (slow-loris headers, a stalled
    /// TLS handshake) and between keep-alive requests. Closed after that.
    public var idleTimeout: Double = 30
    /// Seconds from a request's head to the end of its body; a connection still sending the body after that
    /// (slow-loris bodies trickling a byte at a time) is closed.
    public var requestReadTimeout: Double = 30
    /// Most simultaneous connections from one IP address; connections beyond are closed at once.
    public var maximumConnectionsPerSource: Int = 256
    /// Seconds between the counted records of unauthenticated refusals (`auth.refusals_aggregated`).
    public var refusalFlushInterval: Double = 10
    /// Most (source, refusal, reason) keys counted between two flushes; beyond, refusals count under `other`.
    public var refusalMaximumKeys: Int = 1024
    /// `HOST:PORT` of an unauthenticated listener serving only `GET /metrics` (for Prometheus on a private
    /// interface); nil: metrics only on the main listener, behind the admin token.
    public var metricsListen: String?
    /// `HOST:PORT` of the SPIFFE bundle endpoint with the `https_spiffe` profile (TLS with this trust domain's
    /// `spiffe://<td>/tessera/bundle-endpoint` SVID); nil: the bundle is served on the main listeners only.
    public var bundleEndpointListen: String?

    public init() {}

    /// Checks the settings; the messages explain what to change.
    public func validate() throws(ServerError) {
        guard (0.1...3600).contains(idleTimeout), (0.1...3600).contains(requestReadTimeout) else {
            throw ServerError(.configuration, "idle and request read timeouts must be 0.1...3600 seconds")
        }
        guard (1...1_000_000).contains(maximumConnectionsPerSource) else {
            throw ServerError(.configuration, "connections per source must be 1...1000000")
        }
        guard (0.05...3600).contains(refusalFlushInterval), (1...1_000_000).contains(refusalMaximumKeys) else {
            throw ServerError(.configuration, "refusal flush interval must be 0.05...3600 s and its key bound 1...1000000")
        }
        if let metricsListen { _ = try MetricsListener(parsing: metricsListen) }
        if let bundleEndpointListen { _ = try BundleEndpointListener(parsing: bundleEndpointListen) }
    }
}
