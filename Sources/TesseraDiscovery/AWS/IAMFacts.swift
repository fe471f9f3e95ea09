import Foundation

/// What one detail call could not read for one identity: the IAM action and why.
struct IAMGap: Sendable {
    let action: String
    let error: DiscoveryError

    /// What is missing when `action` fails, for messages.
    var consequence: String {
        switch action {
        case "ListAccessKeys": return "access keys were not read"
        case "GetAccessKeyLastUsed": return "access keys' last use was not read"
        case "GetLoginProfile": return "console passwords were not read"
        case "GetRole": return "roles' last use was not read"
        case "ListGroupsForUser": return "group memberships (and the groups' policies) were not read"
        default: return "policies were not read, so privileges could not be judged"
        }
    }
}

/// An inline policy: its name and document (`nil` when it could not be read or parsed).
struct IAMInlinePolicy: Sendable {
    let name: String
    let document: IAMPolicyDocument?
}

/// A managed policy attached somewhere, with its default version's document when it could be read.
struct IAMManagedPolicy: Sendable {
    let arn: String
    let name: String
    let document: IAMPolicyDocument?
    let gap: IAMGap?
}

/// Everything read about one IAM user.
struct IAMUserFacts: Sendable {
    struct Key: Sendable {
        let metadata: XMLNode
        let lastUsed: XMLNode?
    }

    let user: XMLNode
    var keys: [Key] = []
    var loginProfile: XMLNode?
    var attached: [XMLNode] = []
    var inline: [IAMInlinePolicy] = []
    var groups: [String] = []
    var gaps: [IAMGap] = []
}

/// Everything read about one IAM role (`role` is GetRole's answer when it could be read, else the listing's).
struct IAMRoleFacts: Sendable {
    var role: XMLNode
    var lastUsedKnown = false
    var attached: [XMLNode] = []
    var inline: [IAMInlinePolicy] = []
    var gaps: [IAMGap] = []
}

/// A group's policies, read once for all its members.
struct IAMGroupFacts: Sendable {
    let name: String
    var attached: [XMLNode] = []
    var inline: [IAMInlinePolicy] = []
    var gaps: [IAMGap] = []
}

/// IAM's timestamps: ISO 8601 in UTC, with or without fractional seconds.
enum IAMDate {
    static func parse(_ text: String?) -> Date? {
        guard let text, !text.isEmpty else { return nil }
        if let date = try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text) { return date }
        return try? Date.ISO8601FormatStyle().parse(text)
    }
}
