import Hummingbird
import HummingbirdCore
import NIOCore

/// The HTTP/1.1 pipeline of both listeners (plain and mTLS), with the deadlines and per-source cap of
/// `ListenerConfiguration` (docs/threat-model.md).
enum ListenerPipeline {
    /// An HTTP/1.1 server builder closing idle and slow connections and those beyond the per-source cap.
    static func http1(_ settings: ListenerConfiguration, limiter: ConnectionLimiter) -> HTTPServerBuilder {
        let readTimeout = TimeAmount.nanoseconds(Int64(settings.requestReadTimeout * 1_000_000_000))
        return .http1(
            configuration: HTTP1Channel.Configuration(
                additionalChannelHandlers: [ConnectionGuardHandler(limiter: limiter, requestReadTimeout: readTimeout)],
                idleTimeout: .nanoseconds(Int64(settings.idleTimeout * 1_000_000_000))))
    }
}
