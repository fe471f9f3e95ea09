import Foundation
import TesseraCore

/// Discovers an AWS account's IAM users (access keys with their last use, console password), roles (trust policy:
/// who can assume them; last use) and their attached, inline and group policies, through the IAM Query API with
/// requests signed by ``SigV4Signer``. Read-only, and no secret is ever fetched: IAM never returns a secret access
/// key, and the connector calls no `Create*`, `Update*` or `Put*` action.
///
/// External ids are ARNs; the scope is `aws:<account id>` (from the ARNs read), or `aws:<endpoint host>` when the
/// account has no user and no role. A listing the credentials may not read makes the run partial (nothing is marked
/// gone); a detail that cannot be read is an unknown on its identity. docs/discovery.md lists the calls and the
/// least-privilege policy.
public struct AWSConnector: DiscoveryConnector {
    public static let defaultEndpoint = URL(string: "https://iam.amazonaws.com")!

    public let source = DiscoverySource.aws
    public let endpoint: URL
    public let region: String
    let credentials: AWSCredentials
    /// `MaxItems` for listings (`nil`: IAM's default of 100).
    public let pageSize: Int?
    /// Detail calls in flight at once.
    public let concurrency: Int

    public init(
        credentials: AWSCredentials, endpoint: URL = AWSConnector.defaultEndpoint, region: String = "us-east-1",
        pageSize: Int? = nil, concurrency: Int = 8
    ) {
        self.credentials = credentials
        self.endpoint = endpoint
        self.region = region
        self.pageSize = pageSize
        self.concurrency = concurrency
    }

    /// Before a run, the endpoint (`aws:iam.amazonaws.com`); a snapshot names the account it read (`aws:123456789012`).
    public var scope: String { "aws:" + (endpoint.host ?? endpoint.absoluteString) + (endpoint.port.map { ":\($0)" } ?? "") }

    public func discover(clock: any TimeSource) async throws -> DiscoverySnapshot {
        let http = DiscoveryHTTPClient(source: "aws")
        let signer = SigV4Signer(credentials: credentials, region: region, service: "iam")
        let client = IAMClient(endpoint: endpoint, signer: signer, clock: clock, http: http, pageSize: pageSize)
        do {
            let snapshot = try await discover(client, clock: clock)
            await http.shutdown()
            return snapshot
        } catch {
            await http.shutdown()
            throw error
        }
    }

    /// One run through `client` (tests give a client of their own).
    func discover(_ client: IAMClient, clock: any TimeSource) async throws -> DiscoverySnapshot {
        let started = clock.now()
        let users = await client.list("ListUsers", items: "Users")
        if let failure = users.failure, users.pages == 0, failure.code != .forbidden { throw failure }
        let roles = await client.list("ListRoles", items: "Roles")
        if let userFailure = users.failure, let roleFailure = roles.failure, users.pages == 0, roles.pages == 0 {
            if userFailure.code == .forbidden && roleFailure.code == .forbidden {
                throw DiscoveryError(
                    .forbidden, source: "aws", "the credentials lack iam:ListUsers and iam:ListRoles; nothing was read")
            }
            throw roleFailure.code == .forbidden ? userFailure : roleFailure
        }
        let arns = (users.items + roles.items).compactMap { $0.string("Arn") }
        let account = arns.lazy.compactMap { IAMTrustAnalysis.accountOf($0).0 }.first { !$0.isEmpty }
        var builder = SnapshotBuilder(source: source, scope: account.map { "aws:" + $0 } ?? scope, startedAt: started)
        record(users, what: "users", into: &builder)
        record(roles, what: "roles", into: &builder)

        let reader = IAMEstateReader(client: client, concurrency: concurrency)
        let userFacts = try await reader.users(users.items)
        let roleFacts = try await reader.roles(roles.items)
        let groupNames = Set(userFacts.flatMap(\.groups)).sorted()
        let groupFacts = try await reader.groups(groupNames)
        let attached = userFacts.flatMap(\.attached) + roleFacts.flatMap(\.attached) + groupFacts.flatMap(\.attached)
        let policyARNs = Set(attached.compactMap { $0.string("PolicyArn") }).sorted()
        let managed = try await reader.managedPolicies(policyARNs)

        let mapper = IAMObservationMapper(
            account: account, managed: Dictionary(managed.map { ($0.arn, $0) }, uniquingKeysWith: { first, _ in first }),
            groups: Dictionary(groupFacts.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first }))
        for facts in userFacts { builder.add(mapper.observation(facts)) }
        for facts in roleFacts { builder.add(mapper.observation(facts)) }
        let gaps = userFacts.flatMap(\.gaps) + roleFacts.flatMap(\.gaps) + groupFacts.flatMap(\.gaps) + managed.compactMap(\.gap)
        for problem in Self.summarise(gaps) { builder.problem(problem, affectsCompleteness: false) }
        return builder.snapshot(finishedAt: clock.now())
    }

    /// A listing that stopped early makes the run partial.
    func record(_ listing: IAMListing, what: String, into builder: inout SnapshotBuilder) {
        guard let failure = listing.failure else { return }
        let action = what == "users" ? "iam:ListUsers" : "iam:ListRoles"
        if failure.code == .forbidden && listing.pages == 0 {
            builder.problem("aws: the credentials lack \(action); \(what) were not read")
        } else if listing.pages == 0 {
            builder.problem("aws: \(failure.reason); \(what) were not read")
        } else {
            builder.problem(
                "aws: \(action) stopped after \(listing.pages) pages (\(failure.reason)); the \(what) beyond were not read")
        }
    }

    /// One problem per failing action: what it cost and for how many identities.
    static func summarise(_ gaps: [IAMGap]) -> [String] {
        var byAction: [String: (gap: IAMGap, count: Int)] = [:]
        for gap in gaps { byAction[gap.action, default: (gap, 0)].count += 1 }
        return byAction.keys.sorted().map { action in
            let (gap, count) = byAction[action]!
            let times = count == 1 ? "once" : "\(count) times"
            if gap.error.code == .forbidden {
                return "aws: the credentials lack iam:\(action); \(gap.consequence) (\(times))"
            }
            return "aws: iam:\(action) failed \(times) (\(gap.error.reason)); \(gap.consequence)"
        }
    }
}
