import Foundation
import Logging
import MCP

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// MCP's stdio framing (one JSON-RPC message per line) over two blocking file descriptors: the gateway's own
/// stdin/stdout, or the pipes of a spawned upstream server.
///
/// Reads run on a dedicated thread in blocking mode, so a message is delivered as soon as its line is complete
/// (the SDK's `StdioTransport` polls non-blocking descriptors every 10 ms). End of input finishes the stream with
/// `MCPError.connectionClosed`, which ends the MCP client or server reading it.
public actor PipeTransport: Transport {
    public nonisolated let logger: Logger
    private let input: Int32
    private let output: Int32
    private let label: String
    private var started = false
    private var closed = false
    private let stream: AsyncThrowingStream<Data, any Error>
    private let continuation: AsyncThrowingStream<Data, any Error>.Continuation
    private let onEndOfInput: (@Sendable () -> Void)?

    /// Longest accepted line (one message).
    static let maximumLine = 16 << 20

    /// - Parameters:
    ///   - input: Descriptor the messages are read from.
    ///   - output: Descriptor the messages are written to.
    ///   - label: Names the peer in errors ("upstream 'files'", "the agent").
    ///   - onEndOfInput: Called once from the reading thread when the input ends or fails.
    public init(
        input: Int32, output: Int32, label: String, logger: Logger? = nil, onEndOfInput: (@Sendable () -> Void)? = nil
    ) {
        self.input = input
        self.output = output
        self.label = label
        self.onEndOfInput = onEndOfInput
        self.logger = logger ?? Logger(label: "tessera.mcp.pipe", factory: { _ in SwiftLogNoOpLogHandler() })
        (stream, continuation) = AsyncThrowingStream<Data, any Error>.makeStream()
    }

    public func connect() async throws {
        guard !started else { return }
        started = true
        // A peer that exits must not kill the gateway with SIGPIPE on the next write.
        signal(SIGPIPE, SIG_IGN)
        let reader = LineReader(descriptor: input, continuation: continuation, onEnd: onEndOfInput)
        let thread = Thread { reader.run() }
        thread.name = "tessera-mcp-reader"
        thread.start()
    }

    public func disconnect() async {
        guard !closed else { return }
        closed = true
        continuation.finish()
    }

    public func send(_ data: Data) async throws {
        guard started, !closed else { throw MCPError.connectionClosed }
        var line = data
        line.append(0x0A)
        let failure: Int32? = line.withUnsafeBytes { buffer -> Int32? in
            var offset = 0
            while offset < buffer.count {
                let written = write(output, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                offset += written
            }
            return nil
        }
        if let failure {
            // EPIPE: the peer is gone.
            throw failure == EPIPE
                ? MCPError.connectionClosed
                : MCPError.transportError(
                    MCPGatewayError(.upstreamUnavailable, "cannot write to \(label): \(String(cString: strerror(failure)))"))
        }
    }

    public func receive() -> AsyncThrowingStream<Data, any Error> { stream }
}

/// The blocking read loop of a ``PipeTransport``: splits the input into lines and yields each non-empty one.
private struct LineReader: Sendable {
    let descriptor: Int32
    let continuation: AsyncThrowingStream<Data, any Error>.Continuation
    let onEnd: (@Sendable () -> Void)?

    func run() {
        var pending = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 65536)
        loop: while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress!, $0.count) }
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { break loop }
            var start = pending.count
            pending.append(contentsOf: buffer[0..<count])
            var lineStart = 0
            while let newline = pending[start...].firstIndex(of: 0x0A) {
                var end = newline
                if end > lineStart && pending[end - 1] == 0x0D { end -= 1 }
                if end > lineStart { continuation.yield(Data(pending[lineStart..<end])) }
                lineStart = newline + 1
                start = lineStart
            }
            if lineStart > 0 { pending.removeFirst(lineStart) }
            if pending.count > PipeTransport.maximumLine { break loop }
        }
        continuation.finish(throwing: MCPError.connectionClosed)
        onEnd?()
    }
}
