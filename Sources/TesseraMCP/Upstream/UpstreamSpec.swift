import Foundation

/// One `--upstream` value: `NAME=stdio:/path/to/cmd arg...` (a process the gateway spawns and talks to over its
/// stdin/stdout) or `NAME=http://host:port/mcp` (a Streamable HTTP MCP server).
public struct UpstreamSpec: Sendable, Equatable {
    public enum Endpoint: Sendable, Equatable {
        case stdio(executable: String, arguments: [String])
        case http(URL)
    }

    /// 1–32 characters of lower-case letters, digits and `-`, starting with a letter: it prefixes tool names when
    /// the gateway has several upstreams and is sent to Tessera as the call's `server`.
    public let name: String
    public let endpoint: Endpoint

    public init(name: String, endpoint: Endpoint) {
        self.name = name
        self.endpoint = endpoint
    }

    /// Parses one `--upstream` value. The command of a `stdio:` upstream is split like a shell would split it
    /// (whitespace, single and double quotes, backslash escapes); no variables or globbing.
    public static func parse(_ text: String) throws(MCPGatewayError) -> UpstreamSpec {
        guard let equals = text.firstIndex(of: "=") else {
            throw invalid(text, "expected NAME=stdio:/path/to/cmd [args] or NAME=http://host:port/path")
        }
        let name = String(text[..<equals])
        let target = String(text[text.index(after: equals)...])
        try validate(name: name)
        if target.hasPrefix("stdio:") {
            let words = try split(String(target.dropFirst("stdio:".count)))
            guard let executable = words.first else { throw invalid(text, "the stdio: upstream names no command") }
            return UpstreamSpec(name: name, endpoint: .stdio(executable: executable, arguments: Array(words.dropFirst())))
        }
        let lower = target.lowercased()
        if lower.hasPrefix("http://") || lower.hasPrefix("https://") {
            guard let url = URL(string: target), url.host?.isEmpty == false else {
                throw invalid(text, "'\(target)' is not a valid URL")
            }
            return UpstreamSpec(name: name, endpoint: .http(url))
        }
        throw invalid(text, "the target must start with stdio: or http(s)://")
    }

    static func validate(name: String) throws(MCPGatewayError) {
        let allowed = Set("abcdefghijklmnopqrstuvwxyz0123456789-")
        guard let first = name.first, first.isLetter, first.isLowercase, name.count <= 32, name.allSatisfy(allowed.contains)
        else {
            throw MCPGatewayError(
                .invalidConfiguration,
                "upstream name '\(name)' must be 1-32 lower-case letters, digits or '-', starting with a letter")
        }
    }

    /// Shell-like word splitting: whitespace separates words, quotes group them, a backslash escapes one character.
    static func split(_ command: String) throws(MCPGatewayError) -> [String] {
        var words: [String] = []
        var current = ""
        var inWord = false
        var quote: Character?
        var escaped = false
        for character in command {
            if escaped {
                current.append(character)
                escaped = false
            } else if character == "\\" && quote != "'" {
                escaped = true
                inWord = true
            } else if let open = quote {
                if character == open { quote = nil } else { current.append(character) }
            } else if character == "'" || character == "\"" {
                quote = character
                inWord = true
            } else if character.isWhitespace {
                if inWord { words.append(current) }
                current = ""
                inWord = false
            } else {
                current.append(character)
                inWord = true
            }
        }
        guard quote == nil, !escaped else {
            throw MCPGatewayError(.invalidConfiguration, "unterminated quote or escape in upstream command '\(command)'")
        }
        if inWord { words.append(current) }
        return words
    }

    private static func invalid(_ text: String, _ why: String) -> MCPGatewayError {
        MCPGatewayError(.invalidConfiguration, "bad --upstream '\(text)': \(why)")
    }
}
