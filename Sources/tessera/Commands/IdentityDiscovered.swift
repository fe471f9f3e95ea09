import ArgumentParser
import Foundation

struct IdentityClaim: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "claim",
        abstract: "Claim a discovered identity: give it an owner and a purpose.",
        discussion: """
            A discovered identity (dsc_...) has no owner until someone claims it: posture reports it as unowned \
            (OWASP NHI1). Claiming again hands it to a new owner (audited with the previous one).

            Example:
              tessera identity claim dsc_0123... --owner alice@example.com --purpose 'nightly billing export' \\
                --environment prod --review-by 2027-06-01
            """)

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "The discovered identity's id (dsc_...), from `tessera identity list --source ...`.") var identity: String
    @Option(help: "The accountable human.") var owner: String
    @Option(help: "Why this identity exists.") var purpose: String
    @Option(help: "Environment, e.g. prod, staging, dev.") var environment: String?
    @Option(name: .customLong("trust-boundary"), help: "Trust boundary (network zone, account, cluster).") var trustBoundary:
        String?
    @Option(name: .customLong("review-by"), help: "RFC 3339 time or YYYY-MM-DD by which the owner reviews it again.")
    var reviewBy: String?

    func run() async throws {
        var body: [String: Any] = ["owner": owner, "purpose": purpose]
        body["environment"] = environment
        body["trust_boundary"] = trustBoundary
        body["review_by"] = reviewBy
        let data = try await connection.client().expect(
            "POST", "/v1/discovered/\(try DiscoveredID.check(identity))/claim", json: body)
        DiscoveredPrinter.print(data, json: output.json)
    }
}

struct IdentityPlan: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Print the way from a discovered identity's long-lived credential onto short-lived Tessera credentials.",
        discussion: """
            A PostgreSQL role becomes a dynamic role template with the grants it holds; an IAM user with keys becomes a \
            role with a web-identity trust on Tessera's issuer; an AppRole or token becomes an OpenBao JWT role bound to \
            the workload's SPIFFE ID. After `tessera identity migrate`, the old credential is flagged \
            (superseded-credential) until discovery sees it disabled.
            """)

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "The discovered identity's id (dsc_...).") var identity: String

    func run() async throws {
        let data = try await connection.client().expect("GET", "/v1/discovered/\(try DiscoveredID.check(identity))/plan")
        if output.json { return print(Output.prettyJSON(data)) }
        let plan = (try? JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:]
        print(plan["summary"] as? String ?? "")
        print("Suggested SPIFFE ID: \(plan["spiffe_id"] as? String ?? "")")
        for (index, step) in (plan["steps"] as? [[String: Any]] ?? []).enumerated() {
            print("\n\(index + 1). \(step["title"] as? String ?? "")")
            for line in (step["text"] as? String ?? "").split(separator: "\n", omittingEmptySubsequences: false) {
                print("   \(line)")
            }
        }
        print("\nRetire the old credential once nothing uses it:")
        for line in (plan["retire"] as? String ?? "").split(separator: "\n") { print("   \(line)") }
    }
}

struct IdentityMigrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Record that a Tessera identity replaced a discovered one (its old credential is flagged until disabled).")

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "The discovered identity's id (dsc_...).") var identity: String
    @Option(help: "The Tessera identity (nhi_...) that replaced it.") var to: String

    func run() async throws {
        let data = try await connection.client().expect(
            "POST", "/v1/discovered/\(try DiscoveredID.check(identity))/migrate", json: ["identity": to])
        DiscoveredPrinter.print(data, json: output.json)
    }
}

enum DiscoveredID {
    static func check(_ id: String) throws -> String {
        guard id.hasPrefix("dsc_") else {
            throw CommandFailure(message: "\(id) is not a discovered identity id (dsc_...); see tessera identity list --source")
        }
        return AdminClient.pathEscape(id)
    }
}

/// Prints a discovered identity: JSON, or a short description.
enum DiscoveredPrinter {
    static func print(_ data: Data, json: Bool) {
        if json { return Swift.print(Output.prettyJSON(data)) }
        let item = (try? JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:]
        let field = { (name: String) in item[name] as? String ?? "-" }
        Swift.print("\(field("id"))  \(field("kind")) \(field("name"))  [\(field("status"))]")
        Swift.print("  external id: \(field("external_id"))")
        Swift.print("  owner: \(field("owner"))   last seen: \(field("last_seen_at"))   last used: \(field("last_used_at"))")
        for credential in item["credentials"] as? [[String: Any]] ?? [] {
            Swift.print(
                "  credential: \(credential["kind"] as? String ?? "") \(credential["reference"] as? String ?? "") "
                    + "(\(credential["status"] as? String ?? "status unknown"), expires \(credential["expires_at"] as? String ?? "never"))"
            )
        }
        for line in item["privileged"] as? [String] ?? [] { Swift.print("  privileged: \(line)") }
        for line in item["interactive_use"] as? [String] ?? [] { Swift.print("  interactive use: \(line)") }
        if let target = item["migrated_to"] as? String { Swift.print("  migrated to: \(target)") }
    }
}

struct IdentityRelease: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "release",
        abstract: "Release an identity held by a require-approval response: a person approves its next issuance.",
        discussion: """
            A response rule with `require-approval` (docs/risk.md) refuses the identity's issuance until someone \
            releases it. The reason is required and recorded (response.released).

            Example:
              tessera identity release nhi_0123... --reason 'CHG-1234: reviewed with the owner'
            """)

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "Identity id (nhi_...) or SPIFFE ID.") var identity: String
    @Option(help: "Why it may have credentials again (recorded in the audit log).") var reason: String

    func run() async throws {
        let client = try connection.client()
        let id = try await IdentityLookup.resolve(identity, client: client)
        let data = try await client.expect(
            "POST", "/v1/identities/\(AdminClient.pathEscape(id))/release", json: ["reason": reason])
        if output.json { return print(Output.prettyJSON(data)) }
        let object = (try? JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:]
        print("released \(id) (rules: \((object["released"] as? [String] ?? []).joined(separator: ", ")))")
    }
}
