import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import TesseraTestSupport
import Testing

@testable import TesseraAgent

#if canImport(Glibc)
    import Glibc
#endif

/// Attacks on Workload API attestation, against a real agent on a real Unix socket: a process connects,
/// keeps the connection in a child, then execs a binary an entry trusts (or exits).
@Suite(.serialized, .stopsServers) struct WorkloadAPIAttackTests {
    /// Connects to `agent`, then (mode `exec`) forks a child that keeps the connection and execs `trusted` in
    /// the process that connected, or (mode `exit`) exits that process, or (mode `stay`) does neither. Once
    /// that happened the child listens on `proxy` and relays one client's bytes to the agent connection, so
    /// the test's gRPC client speaks over the attacker's connection.
    static let helper = #"""
        import os, select, socket, sys, time
        agent, proxy, mode, trusted = sys.argv[1:5]
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(agent)
        time.sleep(0.3)  # the agent has accepted the connection by now
        parent = os.getpid()
        if os.fork() != 0:
            if mode == "exec":
                os.execv(trusted, [trusted, "30"])  # the socket is close-on-exec here; the child keeps its copy
            elif mode == "exit":
                os._exit(0)
            time.sleep(30)
            sys.exit(0)
        for _ in range(500):
            try:
                exe = os.readlink("/proc/%d/exe" % parent)
            except OSError:
                exe = None
            if (mode == "exec" and exe == trusted) or (mode == "exit" and exe is None) or mode == "stay":
                break
            time.sleep(0.01)
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(proxy)
        listener.listen(1)
        client, _ = listener.accept()
        pair = {client: s, s: client}
        while True:
            ready, _, _ = select.select([client, s], [], [], 20)
            if not ready:
                break
            for r in ready:
                data = r.recv(65536)
                if not data:
                    os._exit(0)
                pair[r].sendall(data)
        """#

    static func python() -> String? {
        for path in ["/usr/bin/python3", "/usr/local/bin/python3", "/root/.pyenv/shims/python3"]
        where FileManager.default.isExecutableFile(atPath: path) { return path }
        return nil
    }

    /// Runs the helper in `mode` and makes one FetchX509SVID call through its connection.
    static func callThroughHelper(_ harness: Harness, mode: String, trusted: String) async throws -> Result<[String], RPCError> {
        let directory = "/tmp/tsr-atk-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let script = directory + "/helper.py"
        try helper.write(toFile: script, atomically: true, encoding: .utf8)
        let proxy = directory + "/proxy.sock"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(python()))
        process.arguments = [script, harness.socket, proxy, mode, trusted]
        try process.run()
        defer { if process.isRunning { process.terminate() } }
        for _ in 0..<500 where !FileManager.default.fileExists(atPath: proxy) { try await Task.sleep(for: .milliseconds(10)) }
        #expect(FileManager.default.fileExists(atPath: proxy), "the helper is ready")
        let client = WorkloadAPIClient(socketPath: proxy)
        do {
            return .success(try await client.fetchX509SVIDs().map(\.spiffeID))
        } catch let error as RPCError {
            return .failure(error)
        }
    }

    /// `path` with symbolic links resolved (what `/proc/PID/exe` shows).
    static func resolved(_ path: String) throws -> String {
        URL(fileURLWithPath: path).resolvingSymlinksInPath().path
    }

    @Test func aProcessThatExecsATrustedBinaryAfterConnectingIsRefused() async throws {
        guard let python = Self.python() else {
            Issue.record("python3 is needed to run the exec attack")
            return
        }
        let trusted = try Self.resolved("/bin/sleep")
        // What the helper's interpreter resolves to (pyenv shims exec the real binary).
        let probe = Process()
        let pipe = Pipe()
        probe.executableURL = URL(fileURLWithPath: python)
        probe.arguments = ["-c", "import os; print(os.path.realpath('/proc/self/exe'))"]
        probe.standardOutput = pipe
        try probe.run()
        probe.waitUntilExit()
        let pythonPath = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)

        // The entry trusts /usr/bin/sleep run by this uid; the attacker runs Python as the same uid.
        let harness = try await Harness.start(selectors: ["unix:uid:\(getuid())", "unix:path:\(trusted)"])

        // The attack: connect as Python, exec sleep in the connecting process, talk from the child.
        switch try await Self.callThroughHelper(harness, mode: "exec", trusted: trusted) {
        case .success(let ids): Issue.record("the exec'd process received \(ids)")
        case .failure(let error): #expect(error.code == .permissionDenied)
        }

        // Controls: the relay works (Python itself, when an entry trusts it, is served through it) ...
        let (status, _) = try await harness.admin(
            "POST", "/v1/entries",
            [
                "spiffe_id": "spiffe://example.org/web", "node_id": "n1",
                "selectors": ["unix:uid:\(getuid())", "unix:path:\(pythonPath)"],
            ])
        #expect(status == 201)
        var served: [String] = []
        for _ in 0..<40 where served.isEmpty {
            if case .success(let ids) = try await Self.callThroughHelper(harness, mode: "stay", trusted: trusted) { served = ids }
            if served.isEmpty { try await Task.sleep(for: .milliseconds(200)) }
        }
        #expect(served == ["spiffe://example.org/web"])
        // ... and with that entry too, a connecting process that exec'd or exited gets nothing.
        for mode in ["exec", "exit"] {
            switch try await Self.callThroughHelper(harness, mode: mode, trusted: trusted) {
            case .success(let ids): Issue.record("mode \(mode): served \(ids)")
            case .failure(let error): #expect(error.code == .permissionDenied, "mode \(mode)")
            }
        }
    }

    @Test func anExecOnAnOpenConnectionIsRefusedAtTheNextCall() async throws {
        let inspector = ExecSimulatingInspector()
        let exe = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        let harness = try await Harness.start(selectors: ["unix:uid:\(getuid())", "unix:path:\(exe)"], inspector: inspector)
        let socket = harness.socket
        // One connection: accepted while the process "ran" /opt/attacker/tool.
        let results: [RPCError.Code?] = try await withGRPCClient(
            transport: .http2NIOPosix(target: .unixDomainSocket(path: socket), transportSecurity: .plaintext)
        ) { client in
            let api = WorkloadAPI_SpiffeWorkloadAPI.Client(wrapping: client)
            func call() async -> RPCError.Code? {
                do {
                    var request = WorkloadAPI_JWTSVIDRequest()
                    request.audience = ["db"]
                    _ = try await api.fetchJWTSVID(request, metadata: ["workload.spiffe.io": "true"])
                    return nil
                } catch let error as RPCError {
                    return error.code
                } catch {
                    return .unknown
                }
            }
            let first = await call()
            inspector.exec()  // now it runs the trusted binary, same pid and start time
            let second = await call()
            return [first, second]
        }
        #expect(results == [.permissionDenied, .permissionDenied])
        // A connection made after the exec is the trusted binary's own: served.
        let served = try await WorkloadAPIClient(socketPath: socket).fetchJWTSVIDs(audience: ["db"])
        #expect(served.map(\.0) == ["spiffe://example.org/web"])
    }

    @Test func entriesTrustingOnlyAnExecutableAreWarned() async throws {
        let harness = try await Harness.start()
        func create(_ selectors: [String]) async throws -> (Int, [String: Any]) {
            try await harness.admin(
                "POST", "/v1/entries", ["spiffe_id": "spiffe://example.org/web", "node_id": "n1", "selectors": selectors])
        }
        for weak in [["unix:path:/usr/bin/sleep"], ["unix:sha256:" + String(repeating: "a", count: 64)]] {
            let (status, body) = try await create(weak)
            #expect(status == 201)
            #expect((body["warnings"] as? [String])?.first?.contains("unix:uid") == true, "\(weak)")
        }
        for safe in [["unix:uid:0", "unix:path:/usr/bin/sleep"], ["unix:gid:0", "unix:path:/usr/bin/sleep"], ["unix:uid:0"]] {
            let (status, body) = try await create(safe)
            #expect(status == 201)
            #expect(body["warnings"] == nil, "\(safe)")
        }
    }
}
