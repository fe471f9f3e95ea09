/// How the gateway names upstream tools to the agent.
///
/// With one upstream, tools keep their names. With several, every tool is `<upstream>__<tool>` (upstream names have
/// no `_`, so the first `__` separates them unambiguously) and the catalogue in Tessera still lists the upstream's
/// own tool name: Tessera is told which upstream through the call's `server` field.
public struct ToolNaming: Sendable, Equatable {
    public static let separator = "__"
    public let upstreams: [String]

    public init(upstreams: [String]) {
        self.upstreams = upstreams
    }

    public var namespaced: Bool { upstreams.count > 1 }

    /// The name the agent sees for `tool` of `upstream`.
    public func exposedName(upstream: String, tool: String) -> String {
        namespaced ? upstream + Self.separator + tool : tool
    }

    /// The upstream and its tool name for a name the agent used, or nil if no upstream matches.
    public func resolve(_ exposed: String) -> (upstream: String, tool: String)? {
        guard namespaced else { return upstreams.first.map { ($0, exposed) } }
        guard let range = exposed.range(of: Self.separator) else { return nil }
        let upstream = String(exposed[..<range.lowerBound])
        let tool = String(exposed[range.upperBound...])
        guard upstreams.contains(upstream), !tool.isEmpty else { return nil }
        return (upstream, tool)
    }
}
