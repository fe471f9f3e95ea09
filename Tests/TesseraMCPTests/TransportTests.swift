import Foundation
import MCP
import TesseraTestSupport
import Testing

@testable import TesseraMCP

@Suite(.stopsServers) struct TransportTests {
    @Test func serverSentEventBodiesAreSplitIntoMessages() {
        let body = Data(
            "id: 1_1\ndata: \n\nid: 1_2\r\nevent: message\r\ndata: {\"a\":1}\r\n\r\ndata: {\"b\":\ndata: 2}\n\n: comment\n\n".utf8
        )
        let messages = StreamableHTTPClientTransport.events(in: body).map { String(decoding: $0, as: UTF8.self) }
        #expect(messages == [#"{"a":1}"#, "{\"b\":\n2}"])
    }

    @Test func pipeTransportsCarryOneMessagePerLineAndEndWithTheirInput() async throws {
        let forward = Pipe()
        let backward = Pipe()
        let left = PipeTransport(
            input: backward.fileHandleForReading.fileDescriptor, output: forward.fileHandleForWriting.fileDescriptor,
            label: "right")
        let right = PipeTransport(
            input: forward.fileHandleForReading.fileDescriptor, output: backward.fileHandleForWriting.fileDescriptor,
            label: "left")
        try await left.connect()
        try await right.connect()
        let big = String(repeating: "x", count: 200_000)
        try await left.send(Data(#"{"n":1}"#.utf8))
        try await left.send(Data("{\"big\":\"\(big)\"}".utf8))
        var received: [String] = []
        for try await message in await right.receive() {
            received.append(String(decoding: message, as: UTF8.self))
            if received.count == 2 { break }
        }
        #expect(received[0] == #"{"n":1}"#)
        #expect(received[1].count == big.count + 10)

        try forward.fileHandleForWriting.close()
        await #expect(throws: MCPError.self) {
            for try await _ in await right.receive() {}
        }
        try backward.fileHandleForWriting.close()
    }

    @Test func problemDetailsAreReadForErrors() throws {
        #expect(
            TesseraAuthorizationClient.problem(Data(#"{"title":"Forbidden","detail":"task is revoked"}"#.utf8))
                == "task is revoked")
        #expect(TesseraAuthorizationClient.problem(Data(#"{"error":"invalid_token"}"#.utf8)) == "invalid_token")
        #expect(TesseraAuthorizationClient.problem(Data("not json".utf8)) == nil)
        #expect(throws: MCPGatewayError.self) { try TesseraAuthorizationClient.baseURL("ftp://x") }
        #expect(try TesseraAuthorizationClient.baseURL("http://127.0.0.1:8443/").absoluteString == "http://127.0.0.1:8443")
    }
}
