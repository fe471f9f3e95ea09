import ArgumentParser
import Foundation
import TesseraCrypto

/// `tessera token exchange`: RFC 8693 token exchange, optionally acting as a workload (signs the actor token).
struct TokenExchange: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "exchange",
        abstract: "Exchange a token (RFC 8693): an external JWT, a Tessera token or a JWT-SVID, optionally acting as a workload.")

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions
    @Option(name: .customLong("subject-token"), help: "The subject token, @FILE to read it from a file, or - for stdin.")
    var subjectToken: String
    @Option(name: .customLong("subject-token-type"), help: "access_token, jwt or id_token (or a full URN).")
    var subjectTokenType: String = "access_token"
    @Option(name: .customLong("actor-token"), help: "An actor token (@FILE or -), instead of --actor-client-id/--actor-key.")
    var actorToken: String?
    @Option(name: .customLong("actor-client-id"), help: "Act as this workload (SPIFFE ID): signs an actor assertion.")
    var actorClientID: String?
    @Option(name: .customLong("actor-key"), help: "PEM private key of the acting workload.")
    var actorKey: String?
    @Option(help: "Audience of the new token.") var audience: String?
    @Option(help: "Space- or comma-separated scopes (default: the subject token's, within the actor's grants).") var scope:
        String?
    @Option(help: "Task id (a person delegates inside a task they started).") var task: String?

    static func urn(_ type: String) -> String {
        type.hasPrefix("urn:") ? type : "urn:ietf:params:oauth:token-type:\(type)"
    }

    static func read(_ value: String) throws -> String {
        if value == "-" {
            return String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
                .trimmingCharacters(in: .whitespacesAndNewlines)
        }
        if value.hasPrefix("@") {
            guard let text = try? String(contentsOfFile: String(value.dropFirst()), encoding: .utf8) else {
                throw CommandFailure(message: "cannot read \(value.dropFirst())")
            }
            return text.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        return value
    }

    func run() async throws {
        let http = try connection.client(requireToken: false)
        let endpoint = http.base.absoluteString + "/oauth2/token"
        var form = [
            "grant_type": "urn:ietf:params:oauth:grant-type:token-exchange", "subject_token": try Self.read(subjectToken),
            "subject_token_type": Self.urn(subjectTokenType),
            "requested_token_type": "urn:ietf:params:oauth:token-type:access_token",
        ]
        switch (actorToken, actorClientID, actorKey) {
        case (let token?, nil, nil):
            form["actor_token"] = try Self.read(token)
            form["actor_token_type"] = Self.urn("jwt")
        case (nil, let clientID?, let keyPath?):
            let key = try ClientKeyOptions.parse(["--client-id", clientID, "--key", keyPath]).signingKey()
            form["actor_token"] = try ClientAssertion.sign(clientID: clientID, audience: endpoint, key: key, now: Date())
            form["actor_token_type"] = Self.urn("jwt")
        case (nil, nil, nil): break
        default:
            throw CommandFailure(message: "act with either --actor-token, or --actor-client-id together with --actor-key")
        }
        form["audience"] = audience
        form["scope"] = scope?.replacingOccurrences(of: ",", with: " ")
        form["task_id"] = task
        let data = try await AdminClient(base: http.base, token: nil).expect("POST", "/oauth2/token", form: form)
        if output.json {
            print(Output.prettyJSON(data))
        } else {
            let object = (try? JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:]
            print(object["access_token"] as? String ?? "")
        }
    }
}

/// `tessera token inspect`: a token's header and claims, and its delegation chain as a tree. Decodes locally;
/// nothing is verified (use `token introspect` for that).
struct TokenInspect: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Print a token's claims and its delegation chain (act) as a tree. Decodes only: verifies nothing.")

    @OptionGroup var output: OutputOptions
    @Argument(help: "The token, @FILE, or - for stdin.") var token: String

    func run() async throws {
        let text = try TokenExchange.read(token)
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let headerData = Base64URL.decode(String(parts[0])),
            let payloadData = Base64URL.decode(String(parts[1])),
            let header = try? JSONSerialization.jsonObject(with: headerData) as? [String: Any],
            let claims = try? JSONSerialization.jsonObject(with: payloadData) as? [String: Any]
        else { throw CommandFailure(message: "not a JWT in compact form (three base64url parts, JSON header and claims)") }
        if output.json {
            print(Output.prettyJSON(try JSONSerialization.data(withJSONObject: ["header": header, "claims": claims])))
            return
        }
        print(Self.render(header: header, claims: claims, now: Date()))
    }

    /// The human-readable view: header, claims (times in UTC with their distance from now), delegation tree.
    static func render(header: [String: Any], claims: [String: Any], now: Date) -> String {
        var lines: [String] = []
        let headerText = ["alg", "typ", "kid"].compactMap { key in header[key].map { "\(key)=\($0)" } }.joined(separator: " ")
        lines.append("header    " + headerText)
        for key in claims.keys.sorted() where key != "act" {
            let value = claims[key]!
            var shown: String
            switch value {
            case let list as [Any]: shown = list.map { "\($0)" }.joined(separator: ", ")
            case let object as [String: Any]:
                shown = object.keys.sorted().map { "\($0)=\(object[$0]!)" }.joined(separator: " ")
            default: shown = "\(value)"
            }
            if ["exp", "iat", "nbf"].contains(key), let seconds = (value as? NSNumber)?.doubleValue {
                let date = Date(timeIntervalSince1970: seconds)
                let delta = Int(date.timeIntervalSince(now))
                shown += "  (\(ISO8601DateFormatter().string(from: date)), \(delta >= 0 ? "in \(delta) s" : "\(-delta) s ago"))"
            }
            lines.append(key.padding(toLength: 10, withPad: " ", startingAt: 0) + shown)
        }
        lines.append("")
        lines.append(contentsOf: delegationTree(claims))
        return lines.joined(separator: "\n")
    }

    /// `sub` at the root, then each actor in the order it joined (the innermost `act` first), the current
    /// holder last.
    static func delegationTree(_ claims: [String: Any]) -> [String] {
        var actors: [String] = []
        var current = claims["act"] as? [String: Any]
        while let act = current, actors.count < 32 {
            actors.append(act["sub"] as? String ?? "?")
            current = act["act"] as? [String: Any]
        }
        let subject = claims["sub"] as? String ?? "?"
        guard !actors.isEmpty else { return ["delegation: none (\(subject) acts for itself)"] }
        var lines = ["delegation chain (\(actors.count) actor\(actors.count == 1 ? "" : "s")):", subject + "  [subject]"]
        for (depth, actor) in actors.reversed().enumerated() {
            let indent = String(repeating: "    ", count: depth)
            let role = depth == actors.count - 1 ? "  [current actor]" : ""
            lines.append(indent + "└── acted on by " + actor + role)
        }
        return lines
    }
}
