import Foundation
import TesseraCore

/// The inventory at a glance (the console's Overview): counts by kind, status, environment and authentication
/// methods, owner coverage and key age. One grouped scan of `identities` per computation; the server caches it.
public struct InventorySummary: Sendable, Equatable {
    /// One group of identities with the same kind, status, environment and authentication methods.
    public struct Group: Sendable, Equatable {
        public let kind: String
        public let status: String
        public let environment: String
        public let authMethods: [String]
        public let count: Int
        public let reviewOverdue: Int
        public let expired: Int
        /// Registered keys (private_key_jwt) by age of the identity's last key change: < 30 days, 30–90, > 90.
        public let keysByAge: [Int]

        public init(
            kind: String, status: String, environment: String, authMethods: [String], count: Int, reviewOverdue: Int,
            expired: Int, keysByAge: [Int]
        ) {
            self.kind = kind
            self.status = status
            self.environment = environment
            self.authMethods = authMethods
            self.count = count
            self.reviewOverdue = reviewOverdue
            self.expired = expired
            self.keysByAge = keysByAge
        }
    }

    public let groups: [Group]
    /// Distinct owners (every identity has one: the inventory refuses an identity without an owner).
    public let owners: Int

    public init(groups: [Group], owners: Int) {
        self.groups = groups
        self.owners = owners
    }

    public var total: Int { groups.reduce(0) { $0 + $1.count } }

    /// Counts per value of `key`, largest first.
    public func counts(by key: (Group) -> [String]) -> [(String, Int)] {
        var counts: [String: Int] = [:]
        for group in groups { for value in key(group) { counts[value, default: 0] += group.count } }
        return counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
    }
}
