import Foundation
import TesseraCore

/// Turns a connection's `AcceptedPeer` into a `WorkloadProcess`, at every RPC and every stream message.
///
/// The rule (as SPIRE's): the binary used for attestation must be the one the process ran when its
/// connection was accepted, and still run now. uid and gid come from `SO_PEERCRED` (fixed by the kernel at
/// `connect(2)`); path and SHA-256 from `/proc/PID/exe`, read only while the pidfd taken at accept shows the
/// process alive (so `/proc/PID` cannot be another process that reused the pid), and only when the
/// executable's device and inode and the start time are those recorded at accept. A process that exec'd
/// since accept — e.g. connected, handed the socket to a child, then exec'd a trusted binary — is refused.
struct WorkloadAttestor: Sendable {
    let inspector: any ProcessInspector

    func attest(_ peer: AcceptedPeer) async throws(AgentError) -> WorkloadProcess {
        if let refusal = peer.refusal { throw AgentError(.attestationFailed, refusal) }
        let pid = peer.credentials.pid
        guard let handle = peer.handle, handle.isAlive else {
            throw AgentError(.attestationFailed, "calling process \(pid) has exited")
        }
        guard inspector.startTicks(pid) == peer.startTicks else {
            throw AgentError(.attestationFailed, "calling process \(pid) is not the process that connected (pid reused)")
        }
        var path: String?
        var digest: String?
        if let accepted = peer.executable {
            try requireSameExecutable(pid, accepted)
            path = inspector.executablePath(pid)
            if let (hashed, sha256) = await inspector.executableSHA256(pid) {
                guard hashed == accepted else { throw execd(pid) }
                digest = sha256
            }
            try requireSameExecutable(pid, accepted)
        }
        // Everything above was read from /proc/PID while the process was alive: it was this process.
        guard handle.isAlive, inspector.startTicks(pid) == peer.startTicks else {
            throw AgentError(.attestationFailed, "calling process \(pid) exited during attestation")
        }
        return WorkloadProcess(
            pid: pid, uid: peer.credentials.uid, gid: peer.credentials.gid, executablePath: path, executableSHA256: digest)
    }

    private func requireSameExecutable(_ pid: Int32, _ accepted: ExecutableIdentity) throws(AgentError) {
        guard inspector.executableIdentity(pid) == accepted else { throw execd(pid) }
    }

    private func execd(_ pid: Int32) -> AgentError {
        AgentError(.attestationFailed, "process \(pid) executed another binary after its connection was accepted")
    }
}
