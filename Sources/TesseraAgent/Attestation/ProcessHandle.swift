import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A pidfd: a handle on one process that stays bound to it even after its pid is freed and reused.
/// Taken when a Workload API connection is accepted (`SO_PEERPIDFD`, or `pidfd_open` on the `SO_PEERCRED`
/// pid), closed when the last holder lets go.
final class ProcessHandle: Sendable {
    /// The pid the handle was opened for.
    let pid: Int32
    /// The pidfd (close-on-exec, as the kernel always makes them).
    let descriptor: Int32
    /// How it was obtained: `so_peerpidfd` (bound by the kernel at connect) or `pidfd_open` (at accept).
    let source: String

    init(pid: Int32, descriptor: Int32, source: String) {
        self.pid = pid
        self.descriptor = descriptor
        self.source = source
    }

    deinit { close(descriptor) }

    /// `true` while the process has not exited: a pidfd polls readable once its process has terminated.
    /// While this holds, `/proc/<pid>` is this process (a pid is not reused before its process is reaped).
    var isAlive: Bool {
        var entry = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        let result = poll(&entry, 1, 0)
        return result == 0
    }

    /// Opens a pidfd for `pid` with `pidfd_open(2)`; `nil` when the process is gone or the kernel lacks it.
    static func open(pid: Int32) -> ProcessHandle? {
        guard pid > 0 else { return nil }
        let descriptor: Int32
        if let address = pidfdOpenAddress, let pointer = UnsafeRawPointer(bitPattern: address) {
            descriptor = unsafeBitCast(pointer, to: PidfdOpen.self)(pid, 0)
        } else if let address = syscallAddress, let pointer = UnsafeRawPointer(bitPattern: address) {
            // SYS_pidfd_open is 434 on every Linux architecture (kernel ≥ 5.3).
            descriptor = Int32(truncatingIfNeeded: unsafeBitCast(pointer, to: Syscall.self)(434, pid, 0))
        } else {
            return nil
        }
        guard descriptor >= 0 else { return nil }
        return ProcessHandle(pid: pid, descriptor: descriptor, source: "pidfd_open")
    }

    private typealias PidfdOpen = @convention(c) (Int32, UInt32) -> Int32
    private typealias Syscall = @convention(c) (Int, Int32, UInt32) -> Int

    /// glibc ≥ 2.36 exports `pidfd_open`; with an older C library the raw system call is used. Looked up at
    /// run time (`dlsym(RTLD_DEFAULT, ...)`, the null handle on glibc) so the agent loads everywhere.
    private static let pidfdOpenAddress: Int? = dlsym(nil, "pidfd_open").map { Int(bitPattern: $0) }
    private static let syscallAddress: Int? = dlsym(nil, "syscall").map { Int(bitPattern: $0) }

    /// `SO_PEERPIDFD` (Linux ≥ 6.5): a pidfd for the process that called `connect(2)`.
    static let peerPidfdOption: Int32 = 77
}
