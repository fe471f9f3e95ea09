import ArgumentParser
import Foundation
import TesseraDiscovery

struct DiscoverOpenBao: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "openbao",
        abstract: "Discover an OpenBao or Vault server's AppRoles, tokens, broad policies and KV secrets (metadata only).",
        discussion: """
            Reads auth methods (sys/auth), every AppRole with its secret IDs (TTL, uses, bound CIDRs, token policies), \
            every token by accessor (orphan, TTL, renewable, policies, root tokens), ACL policies (a path "*" or "+/*", \
            or sudo over a subtree, makes whoever holds the policy privileged), KV version 2 secrets' metadata (age of the \
            current version, for rotation) and whether an audit device is enabled. Metadata only: no secret value is \
            read (never <mount>/data/..., never sys/raw). Token and secret-id accessors are kept only as fingerprints. \
            The same API serves Vault.

            The token comes from --token-file, else BAO_TOKEN, else VAULT_TOKEN (the Tessera admin token is \
            --admin-token-file or TESSERA_TOKEN). The least-privilege policy for it is in docs/discovery.md; whatever it may not read is reported as \
            a problem naming the path and capability, and the run is then partial (nothing is marked gone).

            Examples:
              tessera discover openbao --addr https://vault.internal:8200 --token-file discovery.token \
                --admin-token-file .tessera/admin-token
              tessera discover openbao --addr http://127.0.0.1:8200 --token-file discovery.token --print-only --json
            """)

    @Option(help: "The server: http(s)://host[:port] (else BAO_ADDR, else VAULT_ADDR).")
    var addr: String?

    @Option(
        name: .customLong("token-file"), help: "Read the OpenBao/Vault token from this file (else BAO_TOKEN, then VAULT_TOKEN).")
    var tokenFile: String?

    @Option(help: "The namespace to read (X-Vault-Namespace), for Vault Enterprise or OpenBao namespaces.")
    var namespace: String?

    @OptionGroup var output: DiscoverOutputOptions

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        guard let text = addr ?? environment["BAO_ADDR"] ?? environment["VAULT_ADDR"] else {
            throw CommandFailure(message: "--addr is required (or BAO_ADDR / VAULT_ADDR)")
        }
        let address: OpenBaoAddress
        do {
            address = try OpenBaoAddress(text)
        } catch {
            throw CommandFailure(message: error.reason)
        }
        let token =
            try DiscoverySecret.read(file: tokenFile, environment: "BAO_TOKEN", what: "OpenBao token")
            ?? DiscoverySecret.read(file: nil, environment: "VAULT_TOKEN", what: "Vault token")
        guard let token else {
            throw CommandFailure(message: "no OpenBao token: give --token-file, or set BAO_TOKEN or VAULT_TOKEN")
        }
        try await output.run(OpenBaoConnector(address: address, token: token, namespace: namespace))
    }
}
