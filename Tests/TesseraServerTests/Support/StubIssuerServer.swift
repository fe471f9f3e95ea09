import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A real HTTP/1.1 server on loopback that stands in for an external issuer's discovery and JWKS endpoints:
/// it serves fixed documents by path, counts requests, and can answer slowly or fail (hostile-network tests).
final class StubIssuerServer: Sendable {
    struct State {
        var documents: [String: String] = [:]
        var hits: [String: Int] = [:]
        var delay: Double = 0
        var failing = false
        /// path → `Location` of a `302` answer.
        var redirects: [String: String] = [:]
        /// path → size of a body streamed without `Content-Length` (an oversized document).
        var floods: [String: Int] = [:]
        /// Body bytes the server managed to write per path (a client that aborts early stops the count).
        var written: [String: Int] = [:]
        var stopped = false
    }

    let port: Int
    private let state = Mutex(State())
    private let socket: Int32

    var base: String { "http://127.0.0.1:\(port)" }

    init() throws {
        let fd = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 64) == 0 else { throw CocoaError(.fileWriteUnknown) }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        socket = fd
        port = Int(UInt16(bigEndian: address.sin_port))
        let thread = Thread { [self] in acceptLoop() }
        thread.start()
    }

    func serve(_ path: String, _ body: String) { state.withLock { $0.documents[path] = body } }
    func setDelay(_ seconds: Double) { state.withLock { $0.delay = seconds } }
    func setFailing(_ failing: Bool) { state.withLock { $0.failing = failing } }
    func hits(_ path: String) -> Int { state.withLock { $0.hits[path] ?? 0 } }
    /// Requests to any path.
    var totalHits: Int { state.withLock { $0.hits.values.reduce(0, +) } }
    func redirect(_ path: String, to location: String) { state.withLock { $0.redirects[path] = location } }
    func flood(_ path: String, bytes: Int) { state.withLock { $0.floods[path] = bytes } }
    func written(_ path: String) -> Int { state.withLock { $0.written[path] ?? 0 } }

    /// Stops listening. The descriptor is closed by the accept thread itself: closing it here could let the
    /// number be reused by another stub's socket while this thread still calls `accept` on it (it would then
    /// steal that stub's connections).
    func stop() {
        state.withLock { $0.stopped = true }
        shutdown(socket, Int32(SHUT_RDWR))
    }

    private func acceptLoop() {
        while true {
            let client = accept(socket, nil, nil)
            guard client >= 0, !state.withLock({ $0.stopped }) else {
                if client >= 0 { close(client) }
                close(socket)
                return
            }
            let thread = Thread { [self] in handle(client) }
            thread.start()
        }
    }

    private func handle(_ client: Int32) {
        defer { close(client) }
        var request = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !request.contains(0x0A) || !String(decoding: request, as: UTF8.self).contains("\r\n\r\n") {
            let count = read(client, &buffer, buffer.count)
            guard count > 0 else { return }
            request.append(contentsOf: buffer[0..<count])
            if request.count > 65_536 { return }
        }
        let line = String(decoding: request, as: UTF8.self).split(separator: "\r\n").first ?? ""
        let path = line.split(separator: " ").dropFirst().first.map(String.init) ?? "/"
        let (body, delay, failing, redirect, flood) = state.withLock { state -> (String?, Double, Bool, String?, Int?) in
            state.hits[path, default: 0] += 1
            return (state.documents[path], state.delay, state.failing, state.redirects[path], state.floods[path])
        }
        if delay > 0 { Thread.sleep(forTimeInterval: delay) }
        if let redirect {
            let response = "HTTP/1.1 302 Found\r\nLocation: \(redirect)\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            _ = response.withCString { write(client, $0, strlen($0)) }
            return
        }
        if let flood {
            // No Content-Length: the client learns the size only by reading; a bounded client stops early.
            let head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n{\"keys\":[\""
            _ = head.withCString { write(client, $0, strlen($0)) }
            let chunk = [UInt8](repeating: UInt8(ascii: "a"), count: 16_384)
            var sent = 0
            while sent < flood {
                let count = chunk.withUnsafeBytes { send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                guard count > 0 else { break }
                sent += count
                state.withLock { $0.written[path] = sent }
            }
            return
        }
        let status = failing ? "503 Service Unavailable" : body == nil ? "404 Not Found" : "200 OK"
        let payload = failing ? "" : body ?? ""
        let response =
            "HTTP/1.1 \(status)\r\nContent-Type: application/json\r\nContent-Length: \(payload.utf8.count)\r\nConnection: close\r\n\r\n"
            + payload
        _ = response.withCString { write(client, $0, strlen($0)) }
    }
}
