import Foundation

/// A tool an AI agent may call (an entry of its catalogue): name, what it does, how risky it is, and whether
/// a human must approve each call.
public struct CatalogueTool: Sendable, Codable, Equatable {
    public enum Risk: String, Sendable, Codable, CaseIterable {
        case low
        case medium
        case high
    }

    public let name: String
    public let description: String
    public let risk: Risk
    /// A human approves every call (the agent's maximum autonomy stops here).
    public let requiresApproval: Bool

    public init(name: String, description: String, risk: Risk, requiresApproval: Bool) {
        self.name = name
        self.description = description
        self.risk = risk
        self.requiresApproval = requiresApproval
    }

    enum CodingKeys: String, CodingKey {
        case name, description, risk
        case requiresApproval = "requires_approval"
    }

    /// Tool names: 1–128 characters of letters, digits and `_ - . / :`.
    public static func validate(name: String) throws(TesseraError) {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./:")
        guard !name.isEmpty, name.count <= 128, name.allSatisfy(allowed.contains) else {
            throw TesseraError(.invalidArgument, "tool names are 1-128 characters of letters, digits and _ - . / :")
        }
    }

    public func validate() throws(TesseraError) {
        try Self.validate(name: name)
        guard description.utf8.count <= 2048 else { throw TesseraError(.invalidArgument, "tool description too long") }
    }

    /// The scope a task must carry for its agents to call this tool.
    public var scope: String { "tool:" + name }
}
