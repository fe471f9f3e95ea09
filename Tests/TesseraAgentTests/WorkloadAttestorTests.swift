import Foundation
import Testing
@testable import TesseraAgent
#if canImport(Glibc)
import Glibc
#endif

@Test func attestsTheCallingProcessFromProc() async throws {
    let attestor = WorkloadAttestor(hashes: ExecutableHashCache())
    let credentials = PeerCredentials(pid: getpid(), uid: getuid(), gid: getgid())
    let process = try await attestor.attest(credentials, streamOpenedAt: Date())
    #expect(process.uid == getuid())
    let exe = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
    #expect(process.executablePath == exe)
    #expect(process.executableSHA256?.count == 64)
}

@Test func aProcessStartedAfterTheCallIsRefused() async {
    let attestor = WorkloadAttestor(hashes: ExecutableHashCache())
    let credentials = PeerCredentials(pid: getpid(), uid: getuid(), gid: getgid())
    await #expect(throws: AgentError.self) {
        try await attestor.attest(credentials, streamOpenedAt: Date(timeIntervalSince1970: 0))
    }
    await #expect(throws: AgentError.self) {
        try await attestor.attest(PeerCredentials(pid: Int32.max - 1, uid: 0, gid: 0), streamOpenedAt: Date())
    }
}

@Test func peerHeaderRoundTripsAndRejectsGarbage() {
    let parsed = PeerCredentialsHandler.parse("42,1000,100,1800000000.5")
    #expect(parsed?.0 == PeerCredentials(pid: 42, uid: 1000, gid: 100))
    #expect(PeerCredentialsHandler.parse("42,1000") == nil)
    #expect(PeerCredentialsHandler.parse("-1,0,0,0") == nil)
}
