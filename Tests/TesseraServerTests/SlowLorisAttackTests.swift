import Foundation
import TesseraTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A raw TCP connection to a loopback port, for requests no HTTP client would send.
final class RawConnection {
    let descriptor: Int32

    init(port: Int) throws {
        #if canImport(Glibc)
            descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
            descriptor = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard descriptor >= 0, connected == 0 else { throw POSIXError(.ECONNREFUSED) }
    }

    deinit { close(descriptor) }

    func write(_ text: String) {
        _ = text.withCString { send(descriptor, $0, strlen($0), Int32(MSG_NOSIGNAL)) }
    }

    /// Waits up to `seconds` for the server to close the connection; `true` once it has (EOF or reset), after
    /// discarding whatever it answered first.
    func closedByServer(within seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        var buffer = [UInt8](repeating: 0, count: 4096)
        while Date() < deadline {
            var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            let remaining = Int32(max(1, deadline.timeIntervalSinceNow * 1000))
            guard poll(&poller, 1, remaining) > 0 else { continue }
            let count = recv(descriptor, &buffer, buffer.count, 0)
            if count <= 0 { return true }
        }
        return false
    }
}

/// Connections that trickle a request (slow-loris) or pile up from one address are closed.
@Suite(.stopsServers) struct SlowLorisAttackTests {
    static func port(_ server: TestServer) -> Int { Int(server.base.split(separator: ":").last!)! }

    @Test func partialHeadersAreClosedAtTheIdleDeadline() async throws {
        let server = try await TestServer.start { $0.listener.idleTimeout = 1 }
        let started = Date()
        let connection = try RawConnection(port: Self.port(server))
        connection.write("GET /readyz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")  // never finishes the head
        #expect(connection.closedByServer(within: 5))
        #expect(Date().timeIntervalSince(started) >= 0.9)
    }

    @Test func aTrickledBodyIsClosedAtTheReadDeadline() async throws {
        let server = try await TestServer.start {
            $0.listener.idleTimeout = 30
            $0.listener.requestReadTimeout = 1
        }
        let connection = try RawConnection(port: Self.port(server))
        connection.write(
            "POST /oauth2/token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                + "Content-Length: 1000\r\n\r\ngrant_type=")
        // One byte every 200 ms keeps the idle timer happy; the read deadline still closes it.
        var closed = false
        for _ in 0..<25 where !closed {
            connection.write("a")
            closed = connection.closedByServer(within: 0.2)
        }
        #expect(closed)
    }

    @Test func connectionsBeyondThePerSourceCapAreClosed() async throws {
        let server = try await TestServer.start { $0.listener.maximumConnectionsPerSource = 4 }
        let held = try (0..<4).map { _ in try RawConnection(port: Self.port(server)) }
        for connection in held { connection.write("GET /readyz HTTP/1.1\r\nHost: 127.0.0.1\r\n") }
        try await Task.sleep(for: .milliseconds(200))
        let extra = try (0..<3).map { _ in try RawConnection(port: Self.port(server)) }
        for connection in extra { #expect(connection.closedByServer(within: 3)) }
        // The held connections are still served.
        held[0].write("\r\n")
        #expect(!held[1].closedByServer(within: 0.3))
        // Once they go, the source may connect again.
        for connection in held { _ = shutdown(connection.descriptor, Int32(SHUT_RDWR)) }
        try await Task.sleep(for: .milliseconds(300))
        let reply = try await server.send("GET", "/readyz")
        #expect(reply.status == 200)
    }
}
