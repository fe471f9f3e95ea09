import Foundation

/// Where the gateway waits for its agent: `stdio` (one agent on the gateway's stdin/stdout) or
/// `http://HOST:PORT[/path]` (Streamable HTTP, stateless JSON answers, path `/mcp` by default).
public enum ListenSpec: Sendable, Equatable {
    case stdio
    case http(host: String, port: Int, path: String)

    public static func parse(_ text: String) throws(MCPGatewayError) -> ListenSpec {
        if text == "stdio" { return .stdio }
        guard let components = URLComponents(string: text), components.scheme?.lowercased() == "http",
            let host = components.host, !host.isEmpty
        else {
            throw MCPGatewayError(.invalidConfiguration, "--listen must be 'stdio' or http://HOST:PORT[/path], got '\(text)'")
        }
        guard let port = components.port, (0...65535).contains(port) else {
            throw MCPGatewayError(.invalidConfiguration, "--listen \(text): give a port, e.g. http://127.0.0.1:8931")
        }
        guard components.query == nil, components.user == nil else {
            throw MCPGatewayError(.invalidConfiguration, "--listen \(text): no query or user part")
        }
        let path = components.path.isEmpty || components.path == "/" ? "/mcp" : components.path
        return .http(host: host, port: port, path: path)
    }
}
