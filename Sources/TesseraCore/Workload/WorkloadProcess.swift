/// What the kernel says about a process calling the Workload API (from `SO_PEERCRED` and `/proc`).
public struct WorkloadProcess: Sendable, Equatable {
    public let pid: Int32
    public let uid: UInt32
    public let gid: UInt32
    /// The executable's path (`/proc/PID/exe`), when it could be read.
    public let executablePath: String?
    /// SHA-256 of the executable (lowercase hex), when it could be read.
    public let executableSHA256: String?

    public init(pid: Int32, uid: UInt32, gid: UInt32, executablePath: String?, executableSHA256: String?) {
        self.pid = pid
        self.uid = uid
        self.gid = gid
        self.executablePath = executablePath
        self.executableSHA256 = executableSHA256
    }
}
