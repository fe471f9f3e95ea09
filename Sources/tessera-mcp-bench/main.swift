// Latency of one MCP tools/call, for scripts/bench/mcp-gateway: a scripted agent (the SDK's MCP client) calls the
// same tool over and over and prints p50/p99 as one JSON line.
//
//   tessera-mcp-bench --label NAME [--calls N] [--warmup N] stdio COMMAND [ARGS...]   (spawned; env is inherited)
//   tessera-mcp-bench --label NAME [--calls N] [--warmup N] --token T http URL       (Streamable HTTP, bearer T)
//   tessera-mcp-bench --label NAME [--calls N] [--warmup N] --token T authorize URL  (POST URL/v1/authorize/tool-call only)
//   tessera-mcp-bench --label NAME [--calls N] [--warmup N] get URL                  (GET URL over the same pool: the floor)
import AsyncHTTPClient
import Foundation
import MCP
import NIOCore
import TesseraMCP

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

var arguments = Array(CommandLine.arguments.dropFirst())
@MainActor func option(_ name: String, _ fallback: String? = nil) -> String? {
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return fallback }
    let value = arguments[index + 1]
    arguments.removeSubrange(index...(index + 1))
    return value
}
let label = option("--label", "run")!
let calls = Int(option("--calls", "2000")!) ?? 2000
let warmup = Int(option("--warmup", "200")!) ?? 200
let token = option("--token")
guard arguments.count >= 2 else {
    FileHandle.standardError.write(
        Data(
            "usage: tessera-mcp-bench --label NAME [--calls N] [--warmup N] [--token T] stdio CMD [ARGS] | http URL | authorize URL | get URL\n"
                .utf8))
    exit(2)
}
let mode = arguments[0]
let target = Array(arguments.dropFirst())
let callArguments: [String: Value] = ["text": "the quick brown fox"]

/// One timed call.
func measure(_ body: () async throws -> Void) async throws -> Double {
    let clock = ContinuousClock()
    let start = clock.now
    try await body()
    let elapsed = clock.now - start
    return Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
}

func percentile(_ sorted: [Double], _ p: Double) -> Double {
    sorted[min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)]
}

var samples: [Double] = []
switch mode {
case "stdio", "http":
    let client = Client(name: "tessera-mcp-bench", version: "1")
    var process: UpstreamProcess?
    if mode == "stdio" {
        let spawned = try UpstreamProcess(name: "bench", executable: target[0], arguments: Array(target.dropFirst()))
        process = spawned
        try await client.connect(transport: spawned.transport)
    } else {
        let bearer = token
        try await client.connect(
            transport: HTTPClientTransport(endpoint: URL(string: target[0])!, streaming: false) { request in
                var request = request
                if let bearer { request.setValue("Bearer \(bearer)", forHTTPHeaderField: "Authorization") }
                return request
            })
    }
    for index in 0..<(warmup + calls) {
        let elapsed = try await measure {
            let result = try await client.callTool(name: "echo", arguments: callArguments)
            guard result.isError != true else {
                throw MCPGatewayError(.upstreamUnavailable, "the call was refused: \(result.content)")
            }
        }
        if index >= warmup { samples.append(elapsed) }
    }
    await client.disconnect()
    await process?.stop()
case "authorize":
    // AsyncHTTPClient with its connection pool, as the gateway calls Tessera (HTTPExchange): URLSession on Linux
    // added client and server work per call that the gateway never pays.
    var request = HTTPClientRequest(url: target[0] + "/v1/authorize/tool-call")
    request.method = .POST
    request.headers.add(name: "Authorization", value: "Bearer \(token ?? "")")
    request.headers.add(name: "Content-Type", value: "application/json")
    let body = try JSONEncoder().encode(ToolCallRequest(tool: "echo", server: "bench", arguments: callArguments))
    for index in 0..<(warmup + calls) {
        let elapsed = try await measure {
            request.body = .bytes(ByteBuffer(bytes: body))
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
            let data = Data((try await response.body.collect(upTo: 1 << 20)).readableBytesView)
            guard response.status.code == 200,
                (try? JSONDecoder().decode(ToolCallDecision.self, from: data))?.decision == .allow
            else { throw MCPGatewayError(.serverUnavailable, "not allowed: \(String(decoding: data, as: UTF8.self))") }
        }
        if index >= warmup { samples.append(elapsed) }
    }
case "get":
    // The HTTP floor of the same client and server: a keep-alive GET that does no work (`/healthz`).
    var request = HTTPClientRequest(url: target[0])
    request.method = .GET
    for index in 0..<(warmup + calls) {
        let elapsed = try await measure {
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
            _ = try await response.body.collect(upTo: 1 << 20)
            guard response.status.code == 200 else { throw MCPGatewayError(.serverUnavailable, "GET \(target[0]) failed") }
        }
        if index >= warmup { samples.append(elapsed) }
    }
default:
    FileHandle.standardError.write(Data("unknown mode \(mode)\n".utf8))
    exit(2)
}
let sorted = samples.sorted()
let mean = samples.reduce(0, +) / Double(max(samples.count, 1))
let line = String(
    format: #"{"label":"%@","calls":%d,"p50_ms":%.3f,"p99_ms":%.3f,"mean_ms":%.3f}"#, label, samples.count,
    percentile(sorted, 0.50), percentile(sorted, 0.99), mean)
print(line)
