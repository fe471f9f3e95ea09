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

    /// The grouped statement both engines run.
    static func groupSQL(now: Date) -> SQL {
        let epoch = now.timeIntervalSince1970
        let aging = epoch - 30 * 86_400
        let old = epoch - 90 * 86_400
        return """
            SELECT kind, status, COALESCE(environment, '') AS environment, auth_methods, COUNT(*) AS total,
              SUM(CASE WHEN review_by IS NOT NULL AND review_by < \(now) THEN 1 ELSE 0 END) AS overdue,
              SUM(CASE WHEN expires_at IS NOT NULL AND expires_at <= \(now) THEN 1 ELSE 0 END) AS expired,
              SUM(CASE WHEN jwks LIKE '%"kty"%' AND updated_at >= \(aging) THEN 1 ELSE 0 END) AS fresh,
              SUM(CASE WHEN jwks LIKE '%"kty"%' AND updated_at < \(old) THEN 1 ELSE 0 END) AS aging,
              SUM(CASE WHEN jwks LIKE '%"kty"%' THEN 1 ELSE 0 END) AS keyed
            FROM identities GROUP BY kind, status, COALESCE(environment, ''), auth_methods
            """
    }

    /// A group from the statement's columns.
    static func group(
        kind: String, status: String, environment: String, authMethods: String, count: Int, overdue: Int, expired: Int,
        fresh: Int, aging: Int, keyed: Int
    ) -> Group {
        Group(
            kind: kind, status: status, environment: environment, authMethods: JSONList.decode(authMethods), count: count,
            reviewOverdue: overdue, expired: expired, keysByAge: [fresh, keyed - fresh - aging, aging])
    }
}
