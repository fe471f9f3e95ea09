import Crypto
import Foundation
import Logging
import PostgresNIO
import Testing

@testable import TesseraSecrets

private func admin(_ settings: PostgresConnectionSettings) async throws -> PostgresConnection {
    try await PostgresConnection.connect(
        configuration: .init(
            host: settings.host, port: settings.port, username: settings.username, password: settings.password,
            database: settings.database, tls: .disable),
        id: 7, logger: Logger(label: "test"))
}

/// RFC 7677's example exchange, loaded from `Vectors/`.
private struct SCRAMVector: Decodable {
    let password: String
    let salt: String
    let iterations: Int
    let clientFirstBare: String
    let serverFirst: String
    let clientFinalWithoutProof: String
    let clientProof: String
    let serverSignature: String

    enum CodingKeys: String, CodingKey {
        case password, salt, iterations
        case clientFirstBare = "client_first_bare"
        case serverFirst = "server_first"
        case clientFinalWithoutProof = "client_final_without_proof"
        case clientProof = "client_proof"
        case serverSignature = "server_signature"
    }

    static func load() throws -> SCRAMVector {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Vectors/rfc7677-scram-sha-256.json")
        return try JSONDecoder().decode(SCRAMVector.self, from: Data(contentsOf: url))
    }
}

/// A verifier made from RFC 7677's password and salt accepts that exchange's client proof and produces its server
/// signature: exactly what a server holding only the verifier checks and answers.
@Test func theVerifierChecksRFC7677sExchange() throws {
    let vector = try SCRAMVector.load()
    let salt = try #require(Data(base64Encoded: vector.salt))
    let verifier = try SCRAMVerifier.make(password: vector.password, salt: Array(salt), iterations: vector.iterations)
    // SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>
    let sections = verifier.split(separator: "$").map(String.init)
    try #require(sections.count == 3)
    #expect(sections[0] == "SCRAM-SHA-256")
    #expect(sections[1] == "\(vector.iterations):\(vector.salt)")
    let keys = sections[2].split(separator: ":").map(String.init)
    try #require(keys.count == 2)
    let storedKey = try #require(Data(base64Encoded: keys[0]))
    let serverKey = try #require(Data(base64Encoded: keys[1]))
    let authMessage = Data("\(vector.clientFirstBare),\(vector.serverFirst),\(vector.clientFinalWithoutProof)".utf8)
    let clientSignature = Data(HMAC<SHA256>.authenticationCode(for: authMessage, using: SymmetricKey(data: storedKey)))
    let proof = try #require(Data(base64Encoded: vector.clientProof))
    let clientKey = Data(zip(proof, clientSignature).map { $0 ^ $1 })
    #expect(Data(SHA256.hash(data: clientKey)) == storedKey, "the client proof verifies against StoredKey")
    let serverSignature = Data(HMAC<SHA256>.authenticationCode(for: authMessage, using: SymmetricKey(data: serverKey)))
    #expect(serverSignature.base64EncodedString() == vector.serverSignature)
    let other = try SCRAMVerifier.make(password: vector.password + "!", salt: Array(salt), iterations: vector.iterations)
    #expect(other != verifier)
}

/// By default `{{password}}` is the verifier: what the statements carry (here also written into the role's comment,
/// readable without superuser) holds no password, and the role logs in with the password all the same.
@Test(.needsPostgres) func rolesAreCreatedFromAVerifierNotThePassword() async throws {
    let settings = try testPostgres()
    let template = PostgresRoleTemplate(
        creation: [
            "CREATE ROLE {{name}} LOGIN PASSWORD {{password}} VALID UNTIL {{expiry}}", "COMMENT ON ROLE {{name}} IS {{password}}",
        ], maxTTL: 600)
    let manager = PostgresRoleManager(settings: settings, templates: ["commented": template], logger: Logger(label: "t"))
    let now = Date()
    let credential = try await manager.create(template: "commented", requestedExpiry: now.addingTimeInterval(60), now: now)
    let connection = try await admin(settings)
    var sent: String?
    do {
        for try await value in try await connection.query(
            "SELECT shobj_description(oid, 'pg_authid') FROM pg_roles WHERE rolname = \(credential.username)",
            logger: Logger(label: "test")
        ).decode(String?.self) {
            sent = value
        }
    } catch {
        try? await connection.close()
        throw error
    }
    try await connection.close()
    let statement = try #require(sent)
    #expect(statement.hasPrefix("SCRAM-SHA-256$\(SCRAMVerifier.iterations):"))
    #expect(!statement.contains(credential.password))
    #expect(try await login(settings, user: credential.username, password: credential.password) == credential.username)
    try await manager.drop(credential.username)
}

@Test func templatesSayWhatThePasswordPlaceholderStandsFor() throws {
    let json = Data(
        """
        {"default": {"creation": ["CREATE ROLE {{name}} LOGIN PASSWORD {{password}}"], "max_ttl": 60},
         "plain": {"creation": ["CREATE ROLE {{name}} LOGIN PASSWORD {{password}}"], "max_ttl": 60,
                   "password_format": "plaintext"}}
        """.utf8)
    let file = FileManager.default.temporaryDirectory.appendingPathComponent("templates-\(UUID()).json").path
    try json.write(to: URL(fileURLWithPath: file))
    defer { try? FileManager.default.removeItem(atPath: file) }
    let templates = try PostgresRoleTemplate.load(file: file)
    #expect(templates["default"]?.passwordFormat == .scramSHA256)
    #expect(templates["plain"]?.passwordFormat == .plaintext)
    try Data(#"{"x": {"creation": ["CREATE ROLE {{name}}"], "max_ttl": 60, "password_format": "md5"}}"#.utf8)
        .write(to: URL(fileURLWithPath: file))
    #expect(throws: SecretsError.self) { try PostgresRoleTemplate.load(file: file) }
}

@Test func verifiersNeedAPrintablePasswordAndDifferPerSalt() throws {
    #expect(throws: SecretsError.self) { try SCRAMVerifier.make(password: "") }
    #expect(throws: SecretsError.self) { try SCRAMVerifier.make(password: "caf\u{E9}") }
    #expect(throws: SecretsError.self) { try SCRAMVerifier.make(password: "a\nb") }
    let one = try SCRAMVerifier.make(password: "same")
    let two = try SCRAMVerifier.make(password: "same")
    #expect(one != two, "a fresh salt each time")
    #expect(one.hasPrefix("SCRAM-SHA-256$4096:"))
}
