import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Finds a free TCP port on an IPv4 loopback-style address by binding port 0 and releasing it.
///
/// The port is known before the listener binds it (the issuer URL names it), so two servers starting at once in one
/// process could be handed the same just-released port: a port is never handed out twice by one process.
enum FreePort {
    private static let handedOut = Mutex<Set<Int>>([])

    static func find(host: String) throws(ServerError) -> Int {
        for _ in 0..<64 {
            let port = try probe(host: host)
            if handedOut.withLock({ $0.insert(port).inserted }) { return port }
        }
        throw ServerError(.configuration, "cannot pick a port that this process has not used before")
    }

    private static func probe(host: String) throws(ServerError) -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ServerError(.configuration, "cannot open a socket to pick a port") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        guard inet_pton(AF_INET, host == "0.0.0.0" ? "0.0.0.0" : host, &address.sin_addr) == 1 else {
            throw ServerError(.configuration, "port 0 needs an IPv4 host address")
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { throw ServerError(.configuration, "cannot bind \(host) to pick a port") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else { throw ServerError(.configuration, "cannot read the picked port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
