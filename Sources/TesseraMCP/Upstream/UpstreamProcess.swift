import Foundation

/// A spawned stdio MCP server: its stdin and stdout are pipes to the gateway, its stderr is the gateway's.
public final class UpstreamProcess: Sendable {
    public let name: String
    private let process: Process
    // The pipes stay referenced for the life of the process so their descriptors stay open.
    private let stdin: Pipe
    private let stdout: Pipe

    /// The transport talking to the process over its pipes.
    public let transport: PipeTransport

    /// Starts `executable` (a path, or a name looked up in `PATH`) with `arguments`.
    public init(name: String, executable: String, arguments: [String], onExit: (@Sendable () -> Void)? = nil)
        throws(MCPGatewayError)
    {
        self.name = name
        let path = try Self.resolve(executable, upstream: name)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let stdin = Pipe()
        let stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        do {
            try process.run()
        } catch {
            throw MCPGatewayError(
                .upstreamUnavailable, "cannot start upstream '\(name)' (\(path)): \(error.localizedDescription)")
        }
        self.process = process
        self.stdin = stdin
        self.stdout = stdout
        self.transport = PipeTransport(
            input: stdout.fileHandleForReading.fileDescriptor, output: stdin.fileHandleForWriting.fileDescriptor,
            label: "upstream '\(name)'", onEndOfInput: onExit)
    }

    /// The process's process id.
    public var pid: Int32 { process.processIdentifier }

    /// Whether the process is still running.
    public var isRunning: Bool { process.isRunning }

    /// The exit status once the process has ended.
    public var exitStatus: Int32? { process.isRunning ? nil : process.terminationStatus }

    /// The exit status, waiting up to `limit` for the process to end; nil if it is still running.
    public func awaitExit(within limit: Duration) async -> Int32? {
        let clock = ContinuousClock()
        let deadline = clock.now + limit
        while process.isRunning && clock.now < deadline {
            try? await Task.sleep(for: .milliseconds(10))
        }
        return exitStatus
    }

    /// Closes the server's stdin (the MCP way to ask a stdio server to exit), then terminates it if it lingers.
    public func stop() async {
        try? stdin.fileHandleForWriting.close()
        for _ in 0..<20 where process.isRunning {
            try? await Task.sleep(for: .milliseconds(50))
        }
        if process.isRunning { process.terminate() }
    }

    static func resolve(_ executable: String, upstream: String) throws(MCPGatewayError) -> String {
        let manager = FileManager.default
        if executable.contains("/") {
            guard manager.isExecutableFile(atPath: executable) else {
                throw MCPGatewayError(.upstreamUnavailable, "upstream '\(upstream)': '\(executable)' is not an executable file")
            }
            return executable
        }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for folder in path.split(separator: ":") where !folder.isEmpty {
            let candidate = folder + "/" + executable
            if manager.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw MCPGatewayError(.upstreamUnavailable, "upstream '\(upstream)': '\(executable)' was not found in PATH")
    }
}
