import ArgumentParser
import Foundation
import TesseraServer

/// Server options for token exchange, DPoP and people's sign-in (docs/federation.md).
struct FederationOptions: ParsableArguments {
    @Option(name: .customLong("max-delegation-depth"), help: "Most actors in an exchanged token's act chain.")
    var maxDelegationDepth: Int = 3

    @Option(
        name: .customLong("oidc-issuer"),
        help: "The organisation's IdP for people's sign-in (also add it: tessera issuer add --kind human).")
    var oidcIssuer: String?

    @Option(name: .customLong("oidc-client-id"), help: "Tessera's client id at the IdP.")
    var oidcClientID: String?

    @Option(
        name: .customLong("oidc-client-secret-file"),
        help: "File with the client secret (confidential clients; PKCE is always used).")
    var oidcClientSecretFile: String?

    @Option(name: .customLong("oidc-name"), help: "The IdP's name on the console's sign-in button (default: its host).")
    var oidcName: String?

    @Option(name: .customLong("human-session-ttl"), help: "Lifetime of a person's admin session in seconds.")
    var humanSessionTTL: Int = 900

    @Flag(
        name: .customLong("federation-allow-private-networks"),
        help:
            "Let issuer discovery, JWKS and IdP requests reach loopback, private and link-local addresses (tests, closed networks)."
    )
    var allowPrivateNetworks = false

    @Option(
        name: .customLong("federation-allow-network"),
        help: "A CIDR block (10.1.0.0/16, fd00::/8) issuer requests may reach although it is private; repeatable.")
    var allowedNetworks: [String] = []

    func apply(to configuration: inout ServerConfiguration) throws {
        configuration.federation.maximumDelegationDepth = maxDelegationDepth
        configuration.federation.networkPolicy.allowPrivateNetworks = allowPrivateNetworks
        for text in allowedNetworks {
            guard let network = IPNetwork(parsing: text) else {
                throw CommandFailure(message: "--federation-allow-network \(text): not a CIDR block (10.1.0.0/16, fd00::/8)")
            }
            configuration.federation.networkPolicy.allowedNetworks.append(network)
        }
        configuration.federation.humanSessionTTL = humanSessionTTL
        switch (oidcIssuer, oidcClientID) {
        case (nil, nil): break
        case (let issuer?, let clientID?):
            var secret: String? = nil
            if let oidcClientSecretFile {
                guard let text = try? String(contentsOfFile: oidcClientSecretFile, encoding: .utf8) else {
                    throw CommandFailure(message: "cannot read \(oidcClientSecretFile)")
                }
                secret = text.trimmingCharacters(in: .whitespacesAndNewlines)
            }
            configuration.federation.humanIdP = HumanIdPConfiguration(
                issuer: issuer, clientID: clientID, clientSecret: secret, name: oidcName)
        default: throw CommandFailure(message: "--oidc-issuer and --oidc-client-id go together")
        }
    }
}
