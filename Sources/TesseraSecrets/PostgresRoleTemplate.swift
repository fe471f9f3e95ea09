import Foundation
import TesseraCore

/// How to create one kind of dynamic PostgreSQL role. `{{name}}`, `{{password}}` and `{{expiry}}` in the
/// statements are replaced by a quoted identifier and quoted literals — never spliced raw.
public struct PostgresRoleTemplate: Sendable, Codable, Equatable {
    /// What `{{password}}` stands for in the statements.
    public enum PasswordFormat: String, Sendable, Codable, Equatable {
        /// The password's SCRAM-SHA-256 verifier (`SCRAMVerifier`), the default: PostgreSQL 10 and later store it as the
        /// role's password, and the password itself never reaches the server (or its statement logs).
        case scramSHA256 = "scram-sha-256"
        /// The password itself, hashed by the server (`password_encryption`): for a template that needs the password,
        /// not a verifier (and for servers older than PostgreSQL 10).
        case plaintext
    }

    /// Statements run in one transaction to create the role.
    public let creation: [String]
    /// Longest lifetime of a credential from this template, in seconds.
    public let maxTTL: Int
    /// What `{{password}}` is replaced by (`password_format`, default `scram-sha-256`).
    public let passwordFormat: PasswordFormat

    enum CodingKeys: String, CodingKey {
        case creation
        case maxTTL = "max_ttl"
        case passwordFormat = "password_format"
    }

    public init(creation: [String], maxTTL: Int, passwordFormat: PasswordFormat = .scramSHA256) {
        self.creation = creation
        self.maxTTL = maxTTL
        self.passwordFormat = passwordFormat
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        creation = try container.decode([String].self, forKey: .creation)
        maxTTL = try container.decode(Int.self, forKey: .maxTTL)
        passwordFormat = try container.decodeIfPresent(PasswordFormat.self, forKey: .passwordFormat) ?? .scramSHA256
    }

    /// The statements with placeholders filled in; `{{password}}` stands for `password` as `passwordFormat` says.
    func render(name: String, password: String, expiry: Date) throws(SecretsError) -> [String] {
        let sent = passwordFormat == .scramSHA256 ? try SCRAMVerifier.make(password: password) : password
        let values = [
            "{{name}}": Self.identifier(name), "{{password}}": Self.literal(sent),
            // Not `ISO8601DateFormatter` (a new one per credential was 3% of the server's CPU, most of it ICU's).
            "{{expiry}}": Self.literal(ISO8601.format(expiry)),
        ]
        return try creation.map { statement throws(SecretsError) in
            var rendered = statement
            for (placeholder, value) in values { rendered = rendered.replacingOccurrences(of: placeholder, with: value) }
            guard !rendered.contains("{{") else {
                throw SecretsError(.configuration, "role template has an unknown placeholder")
            }
            return rendered
        }
    }

    /// A double-quoted SQL identifier.
    static func identifier(_ name: String) -> String {
        "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// A single-quoted SQL string literal.
    static func literal(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "''") + "'"
    }

    /// Loads `{"name": {"creation": [...], "max_ttl": N}}` from a JSON file.
    public static func load(file: String) throws(SecretsError) -> [String: PostgresRoleTemplate] {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw SecretsError(.configuration, "cannot read role templates at \(file)")
        }
        guard let templates = try? JSONDecoder().decode([String: PostgresRoleTemplate].self, from: data) else {
            throw SecretsError(
                .configuration,
                "\(file) must map role names to {\"creation\": [...], \"max_ttl\": seconds, \"password_format\": "
                    + "\"scram-sha-256\" (default) or \"plaintext\"}")
        }
        for (name, template) in templates {
            guard !template.creation.isEmpty, template.maxTTL >= 1,
                template.creation.contains(where: { $0.contains("{{name}}") })
            else { throw SecretsError(.configuration, "role template \(name) needs creation statements using {{name}}") }
        }
        return templates
    }
}
