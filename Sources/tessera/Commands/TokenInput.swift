import ArgumentParser
import Foundation

/// The access token a command acts on, kept out of the process list (docs/threat-model.md): from
/// `TESSERA_ACCESS_TOKEN`, from `--access-token-file FILE`, or from standard input with `-`. A token given as a plain
/// argument still works but shows in `ps` to every local user.
struct TokenInput: ParsableArguments {
    static let environmentVariable = "TESSERA_ACCESS_TOKEN"

    @Argument(
        help: ArgumentHelp(
            "The access token, or - to read it from standard input.",
            discussion: """
                Prefer `-` (stdin), --access-token-file or the TESSERA_ACCESS_TOKEN environment variable: a token on the \
                command line is visible to every local user in the process list.
                """, valueName: "token"))
    var token: String?

    @Option(name: .customLong("access-token-file"), help: "Read the access token to act on from FILE (first line).")
    var tokenFile: String?

    /// The token from the one source given.
    func resolve(
        environment: [String: String] = ProcessInfo.processInfo.environment, standardInput: () -> String? = { readLine() }
    ) throws -> String {
        let sources = [token != nil, tokenFile != nil].filter { $0 }.count
        guard sources <= 1 else { throw CommandFailure(message: "give the token once: as an argument, - or --access-token-file") }
        let raw: String?
        if let tokenFile {
            guard let text = try? String(contentsOfFile: tokenFile, encoding: .utf8) else {
                throw CommandFailure(message: "cannot read the token file \(tokenFile)")
            }
            raw = text.split(whereSeparator: \.isNewline).first.map(String.init)
        } else if token == "-" {
            raw = standardInput()
        } else if let token {
            raw = token
        } else {
            raw = environment[Self.environmentVariable]
        }
        guard let value = raw?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty else {
            throw CommandFailure(
                message: "no token: pass - (stdin), --access-token-file FILE or set \(Self.environmentVariable)")
        }
        return value
    }
}
