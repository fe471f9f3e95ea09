import Foundation
import NIOCore
import NIOPosix
import Synchronization
import TesseraTestSupport
import Testing

@testable import TesseraAgent

#if canImport(Glibc)
    import Glibc
#endif

/// `/proc`, except that until `exec()` is called the process appears to run another binary
/// (`/opt/attacker/tool`): how a process that exec'd after its connection was accepted looks to the agent.
final class ExecSimulatingInspector: ProcessInspector {
    let real = ProcFS(hashes: ExecutableHashCache())
    private let execd = Mutex(false)
    static let before = ExecutableIdentity(device: 1, inode: 424_242)

    func exec() { execd.withLock { $0 = true } }
    private var hasExeced: Bool { execd.withLock { $0 } }

    func startTicks(_ pid: Int32) -> UInt64? { real.startTicks(pid) }
    func startDate(_ pid: Int32) -> Date? { real.startDate(pid) }
    func executableIdentity(_ pid: Int32) -> ExecutableIdentity? { hasExeced ? real.executableIdentity(pid) : Self.before }
    func executablePath(_ pid: Int32) -> String? { hasExeced ? real.executablePath(pid) : "/opt/attacker/tool" }
    func executableSHA256(_ pid: Int32) async -> (ExecutableIdentity, String)? {
        hasExeced ? await real.executableSHA256(pid) : (Self.before, String(repeating: "0", count: 64))
    }
}

private func ownCredentials() -> PeerCredentials { PeerCredentials(pid: getpid(), uid: getuid(), gid: getgid()) }

private func register(
    _ registry: PeerRegistry, _ credentials: PeerCredentials, handle: ProcessHandle?, at date: Date = Date()
) -> AcceptedPeer? {
    let connection = ObjectIdentifier(registry)
    return registry.peer(registry.register(credentials, handle: handle, acceptedAt: date, connection: connection))
}

@Test(.stopsServers) func attestsTheCallingProcessThroughItsPidfd() async throws {
    let inspector = ProcFS(hashes: ExecutableHashCache())
    let registry = PeerRegistry(inspector: inspector)
    let peer = try #require(register(registry, ownCredentials(), handle: ProcessHandle.open(pid: getpid())))
    #expect(peer.refusal == nil)
    #expect(peer.executable == inspector.executableIdentity(getpid()))
    let process = try await WorkloadAttestor(inspector: inspector).attest(peer)
    #expect(process.uid == getuid())
    let exe = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
    #expect(process.executablePath == exe)
    #expect(process.executableSHA256?.count == 64)
}

@Test(.stopsServers) func aProcessThatExecdAfterAcceptIsRefused() async throws {
    let inspector = ExecSimulatingInspector()
    let registry = PeerRegistry(inspector: inspector)
    let peer = try #require(register(registry, ownCredentials(), handle: ProcessHandle.open(pid: getpid())))
    let attestor = WorkloadAttestor(inspector: inspector)
    #expect(try await attestor.attest(peer).executablePath == "/opt/attacker/tool")
    inspector.exec()
    do {
        _ = try await attestor.attest(peer)
        Issue.record("a process whose executable changed since accept was attested")
    } catch {
        #expect(error.reason.contains("executed another binary"))
    }
}

@Test(.stopsServers) func aProcessThatExitedOrWasReplacedIsRefused() async throws {
    let inspector = ProcFS(hashes: ExecutableHashCache())
    let registry = PeerRegistry(inspector: inspector)
    let attestor = WorkloadAttestor(inspector: inspector)
    // A child that exits after its connection was "accepted": its pidfd reports it gone.
    let child = Process()
    child.executableURL = URL(fileURLWithPath: "/bin/sleep")
    child.arguments = ["30"]
    try child.run()
    let credentials = PeerCredentials(pid: child.processIdentifier, uid: getuid(), gid: getgid())
    let peer = try #require(register(registry, credentials, handle: ProcessHandle.open(pid: child.processIdentifier)))
    #expect(try await attestor.attest(peer).executablePath == "/usr/bin/sleep")
    kill(child.processIdentifier, SIGKILL)  // SIGTERM may be blocked in the test runner's children
    child.waitUntilExit()
    await #expect(throws: AgentError.self) { try await attestor.attest(peer) }

    // Started after the accept (pid reused before the pidfd was taken), no pidfd, no process.
    let late = try #require(
        register(registry, ownCredentials(), handle: ProcessHandle.open(pid: getpid()), at: Date(timeIntervalSince1970: 0)))
    #expect(late.refusal?.contains("pid reused") == true)
    await #expect(throws: AgentError.self) { try await attestor.attest(late) }
    let noHandle = try #require(register(registry, ownCredentials(), handle: nil))
    await #expect(throws: AgentError.self) { try await attestor.attest(noHandle) }
    #expect(ProcessHandle.open(pid: Int32.max - 1) == nil)
}

@Test(.stopsServers) func theHashCacheKeysAndReadsTheSameFile() async throws {
    let inspector = ProcFS(hashes: ExecutableHashCache())
    let (identity, digest) = try #require(await inspector.executableSHA256(getpid()))
    #expect(identity == inspector.executableIdentity(getpid()))
    #expect(digest.count == 64)
    #expect(await inspector.executableSHA256(getpid())?.1 == digest)
}

@Test(.stopsServers) func peerHeaderCarriesOnlyAConnectionID() {
    #expect(PeerCredentialsHandler.parse("42") == 42)
    #expect(PeerCredentialsHandler.parse("0") == nil)
    #expect(PeerCredentialsHandler.parse("42,1000,100,1800000000.5") == nil)
    #expect(PeerCredentialsHandler.parse("-1") == nil)
}

@Test(.stopsServers) func theKernelPidfdIsTakenAtAccept() async throws {
    let registry = PeerRegistry(inspector: ProcFS(hashes: ExecutableHashCache()))
    let path = "/tmp/tsr-pidfd-" + UUID().uuidString.prefix(8) + ".sock"
    defer { unlink(path) }
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    let (accepted, continuation) = AsyncStream<UInt64?>.makeStream()
    let server = try await ServerBootstrap(group: group)
        .childChannelInitializer { channel in
            registry.acceptConnection(channel).map { continuation.yield(registry.peerID(connection: ObjectIdentifier(channel))) }
        }
        .bind(unixDomainSocketPath: path).get()
    let client = try await ClientBootstrap(group: group).connect(unixDomainSocketPath: path).get()
    var iterator = accepted.makeAsyncIterator()
    let id = try #require(await iterator.next() ?? nil)
    let peer = try #require(registry.peer(id))
    #expect(peer.credentials.pid == getpid())
    #expect(peer.refusal == nil)
    #expect(peer.handle?.isAlive == true)
    // Linux ≥ 6.5 hands out a pidfd bound at connect(2); older kernels fall back to pidfd_open.
    var release = utsname()
    uname(&release)
    let version = withUnsafeBytes(of: release.release) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
    let parts = version.split(separator: ".").prefix(2).compactMap { Int($0.prefix(while: \.isNumber)) }
    if parts.count == 2, parts[0] > 6 || (parts[0] == 6 && parts[1] >= 5) {
        #expect(peer.handle?.source == "so_peerpidfd")
    }
    try await client.close()
    try await server.close()
    try await group.shutdownGracefully()
}
