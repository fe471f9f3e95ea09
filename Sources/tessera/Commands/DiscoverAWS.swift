import ArgumentParser
import Foundation
import TesseraDiscovery

struct DiscoverAWS: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "aws",
        abstract: "Discover an AWS account's IAM users, access keys and roles.",
        discussion: """
            Reads IAM users (access keys: status, created, last used and with which service and region; console \
            password), roles (trust policy: who can assume them, web-identity and cross-account trusts; last used), \
            and their attached, inline and group policies: a statement that allows "Action": "*", a whole service \
            ("iam:*") or an IAM privilege escalation on "Resource": "*" is privileged evidence; "s3:GetObject" on \
            "Resource": "*" is not. Read-only: secret access keys are never returned by IAM and never asked for. \
            docs/discovery.md lists every call and the least-privilege IAM policy for the discovery credentials.

            Credentials come from the standard environment: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and, for \
            temporary credentials, AWS_SESSION_TOKEN. Requests are signed with Signature Version 4 for service "iam" \
            in --region. --endpoint-url points at an IAM-compatible endpoint (a stand-in such as moto, a VPC endpoint).

            Examples:
              AWS_ACCESS_KEY_ID=AKIA... AWS_SECRET_ACCESS_KEY=... tessera discover aws --admin-token-file .tessera/admin-token
              tessera discover aws --endpoint-url http://127.0.0.1:5000 --print-only --json
            """)

    @Option(name: .customLong("endpoint-url"), help: "The IAM endpoint (default https://iam.amazonaws.com).")
    var endpointURL: String?

    @Option(help: "The region requests are signed for (IAM's global endpoint: us-east-1).")
    var region = "us-east-1"

    @Option(name: .customLong("page-size"), help: "MaxItems for every IAM listing, 1 to 1000 (default: IAM's 100).")
    var pageSize: Int?

    @OptionGroup var output: DiscoverOutputOptions

    func validate() throws {
        if let pageSize, !(1...1000).contains(pageSize) { throw ValidationError("--page-size must be between 1 and 1000") }
        if region.isEmpty || region.contains(where: { !($0.isLetter || $0.isNumber || $0 == "-") }) {
            throw ValidationError("--region must be a region name such as us-east-1")
        }
    }

    func run() async throws {
        let endpoint = try Self.endpoint(endpointURL)
        let environment = ProcessInfo.processInfo.environment
        func value(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }
        let missing = ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"].filter { value($0) == nil }
        guard missing.isEmpty, let keyID = value("AWS_ACCESS_KEY_ID"), let secret = value("AWS_SECRET_ACCESS_KEY") else {
            throw CommandFailure(
                message: "aws: \(missing.joined(separator: " and ")) \(missing.count == 1 ? "is" : "are") not set: "
                    + "give the discovery credentials in AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY "
                    + "(and AWS_SESSION_TOKEN for temporary credentials)")
        }
        let credentials = AWSCredentials(accessKeyID: keyID, secretAccessKey: secret, sessionToken: value("AWS_SESSION_TOKEN"))
        try await output.run(AWSConnector(credentials: credentials, endpoint: endpoint, region: region, pageSize: pageSize))
    }

    static func endpoint(_ text: String?) throws -> URL {
        guard let text else { return AWSConnector.defaultEndpoint }
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
            url.host?.isEmpty == false, url.user == nil, url.password == nil, url.query == nil
        else {
            throw CommandFailure(
                message: "--endpoint-url: expected http(s)://host[:port] without credentials or query, got \(text.prefix(200))")
        }
        return url
    }
}
