import MCP

/// The body of `POST /v1/authorize/tool-call`: which tool, on which upstream, with which arguments.
public struct ToolCallRequest: Sendable, Equatable, Encodable {
    /// The tool's name as the upstream MCP server knows it (never the gateway's namespaced name).
    public let tool: String
    /// The upstream MCP server's name (`--upstream NAME=...`).
    public let server: String?
    public let resource: String?
    public let arguments: [String: Value]
    /// Set when re-asking after a human approved the call.
    public let approvalID: String?

    public init(
        tool: String, server: String?, resource: String? = nil, arguments: [String: Value], approvalID: String? = nil
    ) {
        self.tool = tool
        self.server = server
        self.resource = resource
        self.arguments = arguments
        self.approvalID = approvalID
    }

    /// The same call, re-asked with the approval a human granted.
    public func with(approvalID: String) -> ToolCallRequest {
        ToolCallRequest(tool: tool, server: server, resource: resource, arguments: arguments, approvalID: approvalID)
    }

    enum CodingKeys: String, CodingKey {
        case tool, server, resource, arguments
        case approvalID = "approval_id"
    }
}
