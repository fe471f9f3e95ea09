import Synchronization

/// The local ports this process serves TLS on, so a request on any other port skips the client-certificate lookup:
/// reading it asks the connection's event loop for its TLS handler, a round trip between threads on every token and
/// resource request that plain HTTP can never answer with a certificate.
///
/// Only an optimisation that fails closed: a port registered by mistake costs the lookup (which finds no certificate);
/// a TLS port never registered would read no client certificate, and requests that need one are refused.
enum TLSListenerPorts {
    private static let ports = Mutex<Set<Int>>([])

    /// Marks `port` as a TLS listener's (before it serves). Never removed: a later plain listener on the same port
    /// only pays the lookup.
    static func register(_ port: Int) {
        _ = ports.withLock { $0.insert(port) }
    }

    /// Whether a connection accepted on local port `port` may carry TLS (and so a client certificate); unknown: yes.
    static func mayServeTLS(localPort port: Int?) -> Bool {
        guard let port else { return true }
        return ports.withLock { $0.contains(port) }
    }
}
