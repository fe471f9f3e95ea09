import Foundation
import NIOCore
import Testing

@testable import TesseraDiscovery

/// The connectors' HTTP client bounds a whole exchange, not only the wait between bytes: a source that trickles its
/// answer cannot hold a run (or a scheduled loop) past the deadline.
@Suite struct DiscoveryHTTPClientTests {
    /// A loopback server (python3) that sends headers, then one body byte a second for two minutes.
    static func trickler() throws -> (Process, Int) {
        let script = """
            import socket, sys, time
            s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1)
            print(s.getsockname()[1], flush=True)
            c, _ = s.accept(); c.recv(65536)
            c.sendall(b"HTTP/1.1 200 OK\\r\\nContent-Length: 120\\r\\nContent-Type: application/json\\r\\n\\r\\n")
            for _ in range(120):
                c.sendall(b" "); time.sleep(1)
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) { line += pipe.fileHandleForReading.availableData }
        let port = Int(String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        return (process, port)
    }

    @Test func aTricklingAnswerIsCutAtTheDeadline() async throws {
        let (server, port) = try Self.trickler()
        defer { server.terminate() }
        let client = DiscoveryHTTPClient(source: "test", timeout: .seconds(2))
        let start = ContinuousClock.now
        await #expect(throws: DiscoveryError.self) {
            _ = try await client.send(method: .GET, url: "http://127.0.0.1:\(port)/")
        }
        let took = ContinuousClock.now - start
        // Not a timing measurement: the trickle lasts two minutes, so finishing in under one shows the cut (a loaded
        // machine may be slow to wake the deadline by seconds, never by a minute).
        #expect(took < .seconds(60), "cut at the 2 s deadline, not after the two-minute trickle (took \(took))")
        await client.shutdown()
    }
}
