import Foundation

/// One line of an OpenSSH `authorized_keys` file: options (`from="10.0.0.0/8",command="/bin/backup",no-pty`), the key
/// and its comment, as sshd(8) reads them (AUTHORIZED_KEYS FILE FORMAT).
public struct AuthorizedKeysEntry: Sendable, Equatable {
    public let key: SSHPublicKey
    /// The key type as written on the line.
    public let declaredType: String
    /// Options in order: name (lowercased) and value (unquoted) when it has one.
    public let options: [Option]
    public let comment: String

    public struct Option: Sendable, Equatable {
        public let name: String
        public let value: String?
    }

    /// Key types sshd accepts; a line starting with one of them has no options.
    static let keyTypes: Set<String> = [
        "ssh-rsa", "ssh-dss", "ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521",
        "sk-ssh-ed25519@openssh.com", "sk-ecdsa-sha2-nistp256@openssh.com", "ssh-rsa-cert-v01@openssh.com",
        "ssh-dss-cert-v01@openssh.com", "ssh-ed25519-cert-v01@openssh.com", "ecdsa-sha2-nistp256-cert-v01@openssh.com",
        "ecdsa-sha2-nistp384-cert-v01@openssh.com", "ecdsa-sha2-nistp521-cert-v01@openssh.com",
        "sk-ssh-ed25519-cert-v01@openssh.com", "sk-ecdsa-sha2-nistp256-cert-v01@openssh.com",
    ]

    /// Why a line was not read.
    public enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
        case unterminatedQuote
        case unknownKeyType(String)
        case malformedKey
        case typeMismatch(declared: String, actual: String)

        public var description: String {
            switch self {
            case .unterminatedQuote: return "an option's quote is not closed"
            case .unknownKeyType(let type): return "unknown key type \"\(type)\""
            case .malformedKey: return "the key is not a well-formed base64 SSH public key"
            case .typeMismatch(let declared, let actual): return "the line says \(declared) but the key is \(actual)"
            }
        }
    }

    /// Parses one non-blank, non-comment line.
    public static func parse(_ line: Substring) -> Result<AuthorizedKeysEntry, Failure> {
        var rest = line.drop(while: { $0 == " " || $0 == "\t" })
        var options: [Option] = []
        let first = rest.prefix(while: { $0 != " " && $0 != "\t" })
        if !keyTypes.contains(String(first)) {
            guard let (parsed, remainder) = parseOptions(rest) else { return .failure(.unterminatedQuote) }
            options = parsed
            rest = remainder.drop(while: { $0 == " " || $0 == "\t" })
        }
        let fields = rest.split(maxSplits: 2, whereSeparator: { $0 == " " || $0 == "\t" })
        guard fields.count >= 2 else { return .failure(.malformedKey) }
        let type = String(fields[0])
        guard keyTypes.contains(type) else { return .failure(.unknownKeyType(String(type.prefix(64)))) }
        guard let key = SSHPublicKey(base64: fields[1]) else { return .failure(.malformedKey) }
        guard key.type == type else { return .failure(.typeMismatch(declared: type, actual: String(key.type.prefix(64)))) }
        let comment = fields.count > 2 ? String(fields[2].trimmingCharacters(in: .whitespaces).prefix(256)) : ""
        return .success(AuthorizedKeysEntry(key: key, declaredType: type, options: options, comment: comment))
    }

    /// Options up to the first unquoted blank: `name` or `name="value"` (a `\"` inside quotes is a quote).
    static func parseOptions(_ text: Substring) -> ([Option], Substring)? {
        var options: [Option] = []
        var name = ""
        var value: String?
        var quoted = false
        var index = text.startIndex
        func finish() {
            if !name.isEmpty { options.append(Option(name: name.lowercased(), value: value)) }
            name = ""
            value = nil
        }
        while index < text.endIndex {
            let character = text[index]
            if quoted {
                if character == "\\", text.index(after: index) < text.endIndex, text[text.index(after: index)] == "\"" {
                    value?.append("\"")
                    index = text.index(after: index)
                } else if character == "\"" {
                    quoted = false
                } else {
                    value?.append(character)
                }
            } else if character == " " || character == "\t" {
                break
            } else if character == "," {
                finish()
            } else if character == "=" && value == nil {
                value = ""
            } else if character == "\"" && value != nil {
                quoted = true
            } else if value != nil {
                value?.append(character)
            } else {
                name.append(character)
            }
            index = text.index(after: index)
        }
        if quoted { return nil }
        finish()
        return (options, text[index...])
    }

    /// The value of an option (`from`, `command`, `expiry-time`), the last one when repeated.
    public func option(_ name: String) -> String? { options.last(where: { $0.name == name })?.value }

    /// `expiry-time="YYYYMMDD[HHMM[SS]]"` as a date (interpreted in UTC; sshd uses the host's zone).
    public var expiresAt: Date? {
        guard let text = option("expiry-time"), [8, 12, 14].contains(text.count), text.allSatisfy(\.isNumber) else { return nil }
        let padded = text + String(repeating: "0", count: 14 - text.count)
        let digits = Array(padded)
        func number(_ from: Int, _ count: Int) -> Int { Int(String(digits[from..<from + count])) ?? 0 }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = DateComponents(
            year: number(0, 4), month: number(4, 2), day: number(6, 2), hour: number(8, 2), minute: number(10, 2),
            second: number(12, 2))
        return calendar.date(from: parts)
    }
}
