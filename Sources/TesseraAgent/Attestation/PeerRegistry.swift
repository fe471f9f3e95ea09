import Foundation
import Synchronization

/// What the agent recorded about a Workload API connection's peer when it accepted the connection: the
/// kernel's credentials, a pidfd on the process, and which binary that process was running then.
/// Every RPC on the connection is attested against this record (`WorkloadAttestor`).
struct AcceptedPeer: Sendable {
    let id: UInt64
    /// `SO_PEERCRED`: pid, uid and gid as of the peer's `connect(2)` (an exec does not change them).
    let credentials: PeerCredentials
    /// Wall-clock time of `accept(2)` (compared with kernel start times, so not the injected clock).
    let acceptedAt: Date
    /// The pidfd, or nil when none could be taken (then the peer is refused).
    let handle: ProcessHandle?
    /// The executable the process ran at accept; nil when `/proc/PID/exe` was not readable (then only
    /// `unix:uid`/`unix:gid` selectors can match).
    let executable: ExecutableIdentity?
    /// The process's start time (ticks since boot) at accept.
    let startTicks: UInt64?
    /// Why the peer can never be attested (decided at accept), or nil.
    let refusal: String?
}

/// Every open Workload API connection's `AcceptedPeer`, by id and by connection. A peer leaves when its
/// connection closes; its pidfd closes when the last RPC holding the record finishes.
final class PeerRegistry: Sendable {
    private struct State {
        var next: UInt64 = 1
        var peers: [UInt64: AcceptedPeer] = [:]
        var connections: [ObjectIdentifier: UInt64] = [:]
    }

    private let state = Mutex(State())
    let inspector: any ProcessInspector

    init(inspector: any ProcessInspector) {
        self.inspector = inspector
    }

    /// Records a peer just accepted; returns its id.
    func register(
        _ credentials: PeerCredentials, handle: ProcessHandle?, acceptedAt: Date, connection: ObjectIdentifier
    ) -> UInt64 {
        let pid = credentials.pid
        var refusal: String?
        var executable: ExecutableIdentity?
        var ticks: UInt64?
        if pid <= 0 {
            refusal = "no peer process"
        } else if let handle {
            ticks = inspector.startTicks(pid)
            executable = inspector.executableIdentity(pid)
            if let started = inspector.startDate(pid), started.timeIntervalSince(acceptedAt) > 1 {
                refusal = "process \(pid) started after the connection was accepted (pid reused)"
            } else if ticks == nil || !handle.isAlive {
                refusal = "process \(pid) exited before its connection was accepted"
            }
        } else {
            refusal = "no pidfd for process \(pid) (Linux ≥ 5.3 is required)"
        }
        return state.withLock { state in
            let id = state.next
            state.next += 1
            state.peers[id] = AcceptedPeer(
                id: id, credentials: credentials, acceptedAt: acceptedAt, handle: handle, executable: executable,
                startTicks: ticks, refusal: refusal)
            state.connections[connection] = id
            return id
        }
    }

    func remove(_ id: UInt64, connection: ObjectIdentifier) {
        state.withLock { state in
            state.peers[id] = nil
            if state.connections[connection] == id { state.connections[connection] = nil }
        }
    }

    func peer(_ id: UInt64) -> AcceptedPeer? { state.withLock { $0.peers[id] } }

    func peerID(connection: ObjectIdentifier) -> UInt64? { state.withLock { $0.connections[connection] } }

    /// Open connections (tests).
    var count: Int { state.withLock { $0.peers.count } }
}
