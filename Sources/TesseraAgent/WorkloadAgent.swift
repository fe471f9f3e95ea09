import Crypto
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import Logging
import TesseraCore
import TesseraCrypto

#if canImport(Glibc)
    import Glibc
#endif

/// `tessera agent`: attests this node to the server, keeps SVIDs for the node's registration entries, and
/// serves the SPIFFE Workload API over gRPC on a Unix socket.
public struct WorkloadAgent: Sendable {
    /// How an agent is set up.
    public struct Configuration: Sendable {
        /// The server's base URL: `https`, or `http` only with `allowInsecureHTTP` (the join token and the
        /// node proofs would travel in clear text).
        public var serverURL: URL
        /// Accept an `http://` server URL (labs, tests, a loopback server). Off by default.
        public var allowInsecureHTTP = false
        /// One-time join token; needed only when the data folder holds no valid node SVID.
        public var joinToken: String?
        /// Where the Workload API listens.
        public var socketPath: String
        /// Holds the node key and SVID (mode 0700).
        public var dataDirectory: String
        /// Seconds between synchronisations with the server.
        public var syncInterval: TimeInterval = 5
        /// Reads processes for workload attestation; nil = `/proc` (tests inject one that simulates an exec).
        var processInspector: (any ProcessInspector)?

        public init(serverURL: URL, joinToken: String?, socketPath: String, dataDirectory: String) {
            self.serverURL = serverURL
            self.joinToken = joinToken
            self.socketPath = socketPath
            self.dataDirectory = dataDirectory
        }
    }

    public let configuration: Configuration
    let clock: any TimeSource
    let logger: Logger

    public init(
        configuration: Configuration, clock: any TimeSource = SystemTimeSource(), logger: Logger = Logger(label: "tessera.agent")
    ) {
        self.configuration = configuration
        self.clock = clock
        self.logger = logger
    }

    /// Refuses a server URL that is not https, unless plain HTTP was allowed explicitly (`--insecure`).
    public static func validate(serverURL url: URL, allowInsecureHTTP: Bool) throws(AgentError) {
        guard let scheme = url.scheme?.lowercased(), url.host != nil else {
            throw AgentError(.configuration, "the server URL must be an absolute https URL")
        }
        if scheme == "https" { return }
        guard scheme == "http" else { throw AgentError(.configuration, "the server URL must be https (not \(scheme))") }
        guard allowInsecureHTTP else {
            throw AgentError(
                .configuration,
                "refusing plain-HTTP server URL \(url.absoluteString): the join token and node proofs would travel in clear "
                    + "text; use https, or pass --insecure (labs and tests only)")
        }
    }

    /// Loads the saved node SVID, or attests with the join token. Returns the node credential.
    func nodeCredential(client: ServerClient) async throws -> NodeCredential {
        if let saved = NodeCredential.load(from: configuration.dataDirectory), saved.expiresAt > clock.now() {
            return saved
        }
        guard let token = configuration.joinToken, !token.isEmpty else {
            throw AgentError(
                .noNodeIdentity,
                "no valid node SVID in \(configuration.dataDirectory): pass a join token (tessera node token --node ID)")
        }
        let key = P256.Signing.PrivateKey(compactRepresentable: false)
        let chain = try await client.attest(joinToken: token, key: key)
        let credential = NodeCredential(key: key, chain: chain)
        try credential.save(to: configuration.dataDirectory)
        logger.info("node attested", metadata: ["spiffe_id": "\(credential.spiffeID)"])
        return credential
    }

    /// Runs until cancelled. `onReady` is called once the socket is listening, with the node's SPIFFE ID.
    public func run(onReady: @escaping @Sendable (String) async -> Void = { _ in }) async throws {
        try Self.validate(serverURL: configuration.serverURL, allowInsecureHTTP: configuration.allowInsecureHTTP)
        let client = ServerClient(base: configuration.serverURL, clock: clock)
        let node = try await nodeCredential(client: client)
        let cache = SVIDCache()
        let sync = AgentSync(
            client: client, cache: cache, node: node, clock: clock, dataDirectory: configuration.dataDirectory, logger: logger)
        do {
            try await sync.syncOnce()
        } catch {
            logger.warning("first sync failed; will retry", metadata: ["error": "\(error)"])
        }
        let clock = self.clock
        let inspector = configuration.processInspector ?? ProcFS(hashes: ExecutableHashCache())
        let peers = PeerRegistry(inspector: inspector)
        let service = WorkloadAPIService(
            cache: cache, peers: peers, attestor: WorkloadAttestor(inspector: inspector),
            // JWT-SVIDs are signed per call (never cached): each carries its own jti, so one can serve as a
            // single-use client assertion at the token endpoint, and every one is in the audit log.
            jwtSource: { entry, audience in
                try await client.jwtSVID(node: sync.credential, entryID: entry.id, audience: audience).token
            }, clock: clock, logger: logger)

        let path = configuration.socketPath
        try prepareSocketPath(path)
        var transportConfig = HTTP2ServerTransport.Posix.Config.defaults
        // Each connection's peer is recorded at accept (credentials, pidfd, executable); each stream is tied to it.
        transportConfig.channelDebuggingCallbacks.onAcceptTCPConnection = peers.acceptConnection
        transportConfig.channelDebuggingCallbacks.onAcceptHTTP2Stream = peers.acceptStream
        let transport = HTTP2ServerTransport.Posix(
            address: .unixDomainSocket(path: path), transportSecurity: .plaintext, config: transportConfig)
        let server = GRPCServer(transport: transport, services: [service])
        let interval = configuration.syncInterval
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask { try await server.serve() }
            group.addTask { await sync.run(interval: interval) }
            group.addTask { await sync.watch() }
            group.addTask {
                _ = try await transport.listeningAddress
                // Any local process may connect; attestation decides what it gets.
                chmod(path, 0o777)
                await onReady(sync.credential.spiffeID)
            }
            try await withTaskCancellationHandler {
                try await Task.sleep(for: .seconds(Double(Int32.max)))
            } onCancel: {
                server.beginGracefulShutdown()
            }
        }
    }

    private func prepareSocketPath(_ path: String) throws {
        guard path.utf8.count < 100 else {
            throw AgentError(.configuration, "socket path is too long (Unix sockets allow ~100 bytes)")
        }
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        var info = stat()
        if lstat(path, &info) == 0 {
            guard (info.st_mode & S_IFMT) == S_IFSOCK else {
                throw AgentError(.configuration, "\(path) exists and is not a socket")
            }
            unlink(path)
        }
    }
}
