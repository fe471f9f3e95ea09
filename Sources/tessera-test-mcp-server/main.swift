// A small MCP server for the gateway's end-to-end test and benchmark.
//
//   tessera-test-mcp-server [--log FILE]              MCP over stdin/stdout
//   tessera-test-mcp-server --http PORT [--log FILE]  Streamable HTTP (SSE answers) on 127.0.0.1:PORT/mcp;
//                                                     prints "listening PORT" once bound (PORT 0 = any free port)
//
// Tools: echo {text}, add {a, b}, read_invoice {id}, delete_records {table}, send_email {to, body}.
// Every call it executes is appended to FILE as one line "<tool> <arguments JSON>", so a test can prove that
// refused calls never reached it.
import Foundation
import Hummingbird
import MCP
import TesseraMCP

let arguments = CommandLine.arguments
func option(_ name: String) -> String? {
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return nil }
    return arguments[index + 1]
}
let logPath = option("--log")

func schema(_ properties: [String: String]) -> Value {
    .object([
        "type": "object",
        "properties": .object(properties.mapValues { .object(["type": .string($0)]) }),
        "required": .array(properties.keys.sorted().map(Value.string)),
    ])
}

let tools = [
    Tool(name: "echo", description: "Echo the text back.", inputSchema: schema(["text": "string"])),
    Tool(name: "add", description: "Add two numbers.", inputSchema: schema(["a": "number", "b": "number"])),
    Tool(name: "read_invoice", description: "Read one invoice.", inputSchema: schema(["id": "string"])),
    Tool(name: "delete_records", description: "Delete every record of a table.", inputSchema: schema(["table": "string"])),
    Tool(name: "send_email", description: "Send an e-mail.", inputSchema: schema(["to": "string", "body": "string"])),
]

func record(_ name: String, _ arguments: [String: Value]) {
    guard let logPath else { return }
    let encoder = JSONEncoder()
    encoder.outputFormatting = .sortedKeys
    let json = (try? encoder.encode(arguments)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    let line = Data("\(name) \(json)\n".utf8)
    if let handle = FileHandle(forWritingAtPath: logPath) {
        handle.seekToEndOfFile()
        handle.write(line)
        try? handle.close()
    } else {
        _ = FileManager.default.createFile(atPath: logPath, contents: line)
    }
}

func text(_ value: String) -> CallTool.Result {
    CallTool.Result(content: [.text(text: value, annotations: nil, _meta: nil)])
}

func number(_ value: Value?) -> Double? {
    value?.doubleValue ?? value?.intValue.map(Double.init)
}

func makeServer() async -> Server {
    let server = Server(name: "tessera-test-mcp-server", version: "1.0.0", capabilities: .init(tools: .init()))
    await server.withMethodHandler(ListTools.self) { _ in ListTools.Result(tools: tools) }
    await server.withMethodHandler(CallTool.self) { params in
        let arguments = params.arguments ?? [:]
        record(params.name, arguments)
        switch params.name {
        case "echo":
            return text(arguments["text"]?.stringValue ?? "")
        case "add":
            guard let a = number(arguments["a"]), let b = number(arguments["b"]) else {
                return CallTool.Result(
                    content: [.text(text: "a and b must be numbers", annotations: nil, _meta: nil)], isError: true)
            }
            let sum = a + b
            return text(sum == sum.rounded() && abs(sum) < 1e15 ? String(Int(sum)) : String(sum))
        case "read_invoice":
            return text("invoice \(arguments["id"]?.stringValue ?? "?"): 120.00 EUR, paid")
        case "delete_records":
            return text("deleted every record of \(arguments["table"]?.stringValue ?? "?")")
        case "send_email":
            return text("sent to \(arguments["to"]?.stringValue ?? "?")")
        default:
            throw MCPError.invalidParams("unknown tool \(params.name)")
        }
    }
    return server
}

if let port = option("--http").flatMap(Int.init) {
    let server = await makeServer()
    let transport = StatefulHTTPServerTransport()
    try await server.start(transport: transport)
    let router = Router()
    router.on("/mcp", method: .post) { request, _ in
        HTTPBridge.response(await transport.handleRequest(try await HTTPBridge.request(request)))
    }
    router.on("/mcp", method: .get) { request, _ in
        HTTPBridge.response(await transport.handleRequest(try await HTTPBridge.request(request)))
    }
    router.on("/mcp", method: .delete) { request, _ in
        HTTPBridge.response(await transport.handleRequest(try await HTTPBridge.request(request)))
    }
    let app = Application(
        router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)),
        onServerRunning: { channel in
            FileHandle.standardOutput.write(Data("listening \(channel.localAddress?.port ?? 0)\n".utf8))
        })
    try await app.runService()
} else {
    let server = await makeServer()
    try await server.start(transport: PipeTransport(input: 0, output: 1, label: "the client"))
    await server.waitUntilCompleted()
}
