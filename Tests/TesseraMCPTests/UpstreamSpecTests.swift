import Foundation
import TesseraTestSupport
import Testing

@testable import TesseraMCP

@Suite(.stopsServers) struct UpstreamSpecTests {
    @Test func stdioCommandsAreSplitLikeAShellWould() throws {
        let spec = try UpstreamSpec.parse(#"files=stdio:/usr/bin/files-mcp --root "/srv/my data" --name 'a b' x\ y"#)
        #expect(spec.name == "files")
        #expect(
            spec.endpoint
                == .stdio(executable: "/usr/bin/files-mcp", arguments: ["--root", "/srv/my data", "--name", "a b", "x y"]))
    }

    @Test func httpUpstreams() throws {
        let spec = try UpstreamSpec.parse("wiki=http://127.0.0.1:9000/mcp")
        #expect(spec.endpoint == .http(URL(string: "http://127.0.0.1:9000/mcp")!))
    }

    @Test(arguments: [
        ("files", "expected NAME=stdio"),
        ("Files=stdio:/bin/x", "upstream name 'Files'"),
        ("a_b=stdio:/bin/x", "upstream name 'a_b'"),
        ("=stdio:/bin/x", "upstream name ''"),
        ("files=stdio:", "names no command"),
        ("files=stdio:'/bin/x", "unterminated quote"),
        ("files=ftp://host/mcp", "must start with stdio: or http(s)://"),
        ("files=http://", "is not a valid URL"),
    ])
    func badSpecsAreExplained(text: String, expected: String) {
        #expect {
            try UpstreamSpec.parse(text)
        } throws: { error in
            guard let error = error as? MCPGatewayError else { return false }
            return error.code == .invalidConfiguration && error.reason.contains(expected)
        }
    }

    @Test func missingExecutablesAreExplained() {
        #expect(throws: MCPGatewayError(.upstreamUnavailable, "upstream 'x': '/nonexistent/server' is not an executable file")) {
            try UpstreamProcess(name: "x", executable: "/nonexistent/server", arguments: [])
        }
        #expect(throws: MCPGatewayError(.upstreamUnavailable, "upstream 'x': 'no-such-mcp-server-binary' was not found in PATH"))
        {
            try UpstreamProcess(name: "x", executable: "no-such-mcp-server-binary", arguments: [])
        }
    }

    @Test func anUpstreamThatIsNotAnMCPServerFailsTheHandshakeWithinTheTimeout() async throws {
        // `cat` echoes the initialize request back: not an answer.
        await #expect {
            try await UpstreamConnection.connect(
                UpstreamSpec(name: "cat", endpoint: .stdio(executable: "cat", arguments: [])), timeout: .milliseconds(500))
        } throws: { error in
            (error as? MCPGatewayError)?.code == .upstreamUnavailable
        }
        await #expect(
            throws: MCPGatewayError(
                .upstreamUnavailable, "upstream 'gone' exited (exit status 1) before completing the MCP handshake")
        ) {
            try await UpstreamConnection.connect(
                UpstreamSpec(name: "gone", endpoint: .stdio(executable: "false", arguments: [])), timeout: .seconds(10))
        }
    }

    @Test func anUnreachableHTTPUpstreamIsExplained() async throws {
        await #expect {
            try await UpstreamConnection.connect(
                UpstreamSpec(name: "wiki", endpoint: .http(URL(string: "http://127.0.0.1:9/mcp")!)))
        } throws: { error in
            guard let error = error as? MCPGatewayError else { return false }
            return error.code == .upstreamUnavailable
                && error.reason.contains("cannot reach upstream 'wiki' at http://127.0.0.1:9/mcp")
        }
    }

    @Test func anUpstreamThatDiesFailsTheNextCallInsteadOfHanging() async throws {
        let upstream = try await UpstreamConnection.connect(
            UpstreamSpec(name: "billing", endpoint: .stdio(executable: GatewayFixtures.testServerPath, arguments: [])))
        #expect(try await upstream.listTools().count == 5)
        let pid = try #require(upstream.processID)
        kill(pid, SIGKILL)
        #expect(
            try await GatewayFixtures.eventually {
                do {
                    _ = try await upstream.callTool("echo", arguments: ["text": "x"])
                    return false
                } catch {
                    let reason = (error as? MCPGatewayError)?.reason ?? ""
                    return (error as? MCPGatewayError)?.code == .upstreamUnavailable
                        && reason.hasPrefix("upstream 'billing' has exited")
                }
            })
        await upstream.close()
    }
}
