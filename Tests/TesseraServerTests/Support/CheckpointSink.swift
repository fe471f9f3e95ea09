import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A tiny HTTP/1.1 listener on loopback that records every request body and answers with a fixed status (and
/// `Location`, to test that redirects are not followed). Blocking sockets on a thread of its own.
final class CheckpointSink: Sendable {
    let url: String
    private final class Bodies: Sendable { let list = Mutex<[String]>([]) }
    private let bodies = Bodies()
    private let descriptor: Int32

    init(status: Int = 200, location: String? = nil) throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, length) }
        }
        guard bound == 0, listen(listener, 8) == 0 else { throw POSIXError(.EADDRINUSE) }
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) }
        }
        url = "http://127.0.0.1:\(UInt16(bigEndian: address.sin_port))/checkpoints"
        descriptor = listener
        let bodies = self.bodies
        let reply =
            "HTTP/1.1 \(status) X\r\n" + (location.map { "Location: \($0)\r\n" } ?? "")
            + "Content-Length: 0\r\nConnection: close\r\n\r\n"
        Thread.detachNewThread {
            while true {
                let client = accept(listener, nil, nil)
                if client < 0 { return }
                var received = [UInt8]()
                var buffer = [UInt8](repeating: 0, count: 65536)
                while true {
                    let count = read(client, &buffer, buffer.count)
                    if count <= 0 { break }
                    received += buffer[0..<count]
                    let text = String(decoding: received, as: UTF8.self)
                    guard let split = text.range(of: "\r\n\r\n") else { continue }
                    let header = text[..<split.lowerBound].lowercased()
                    let length =
                        header.split(separator: "\r\n").first { $0.hasPrefix("content-length:") }
                        .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
                    let body = text[split.upperBound...]
                    if body.utf8.count >= length {
                        bodies.list.withLock { $0.append(String(body)) }
                        break
                    }
                }
                _ = reply.withCString { write(client, $0, strlen($0)) }
                close(client)
            }
        }
    }

    /// The bodies received so far.
    var received: [String] { bodies.list.withLock { $0 } }

    func stop() {
        shutdown(descriptor, Int32(SHUT_RDWR))
        close(descriptor)
    }
}
