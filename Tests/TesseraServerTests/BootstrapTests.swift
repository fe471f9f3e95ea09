import Foundation
import TesseraCore
import TesseraCrypto
import TesseraStore
import TesseraTestSupport
import Testing

@testable import TesseraServer

private func temporaryDirectory() -> String {
    NSTemporaryDirectory() + "tessera-boot-" + UUID().uuidString
}

@Test(.stopsServers) func productionRefusesToStartWithoutAKEK() throws {
    #expect(throws: ServerError.self) {
        try KEKLoader.load(file: nil, environment: [:], dataDirectory: temporaryDirectory(), development: false)
    }
}

@Test(.stopsServers) func developmentGeneratesAPrivateKEKFileOnceAndReusesIt() throws {
    let directory = temporaryDirectory()
    let (_, first) = try KEKLoader.load(file: nil, environment: [:], dataDirectory: directory, development: true)
    #expect(first == .generatedForDevelopment(directory + "/kek"))
    let attributes = try FileManager.default.attributesOfItem(atPath: directory + "/kek")
    #expect((attributes[.posixPermissions] as? Int) == 0o600)
    let (_, second) = try KEKLoader.load(file: nil, environment: [:], dataDirectory: directory, development: true)
    #expect(second == .existingDevelopmentFile(directory + "/kek"))
}

@Test(.stopsServers) func kekComesFromEnvironmentOrFile() throws {
    let (_, encoded) = KeyEncryptionKey.generate()
    let (_, source) = try KEKLoader.load(
        file: nil, environment: ["TESSERA_KEK": encoded], dataDirectory: temporaryDirectory(), development: false)
    #expect(source == .environment)
    #expect(throws: ServerError.self) {
        try KEKLoader.load(
            file: nil, environment: ["TESSERA_KEK": "short"], dataDirectory: temporaryDirectory(), development: false)
    }
    #expect(throws: ServerError.self) {
        try KEKLoader.load(file: "/nonexistent/kek", environment: [:], dataDirectory: temporaryDirectory(), development: false)
    }
}

@Test(.stopsServers) func wrongKEKAndWrongTrustDomainAreRefused() async throws {
    let directory = temporaryDirectory()
    let server = try await TestServer.start(dataDirectory: directory)
    await server.stop()
    var configuration = ServerConfiguration()
    configuration.port = 0
    configuration.dataDirectory = directory
    await #expect(throws: ServerError.self) {
        _ = try await TesseraServer.make(configuration: configuration, kek: KeyEncryptionKey.generate().0)
    }
    configuration.trustDomain = "other.org"
    await #expect(throws: ServerError.self) {
        _ = try await TesseraServer.make(configuration: configuration, kek: server.kek)
    }
    configuration.trustDomain = "example.org"
    let reopened = try await TesseraServer.make(configuration: configuration, kek: server.kek)
    #expect(reopened.bootstrap.newAdminToken == nil, "the bootstrap admin token is only minted once")
    #expect(!reopened.bootstrap.generatedSigningKey)
}

@Test(.stopsServers) func secretsAreNotStoredInPlaintext() async throws {
    let directory = temporaryDirectory()
    let server = try await TestServer.start(dataDirectory: directory)
    await server.stop()
    let database = try SQLiteStorage(directory: directory)
    let keys = try await database.signingKeys.keys(purpose: "jwt")
    #expect(keys.count == 1)
    let raw = try server.kek.open(keys[0].sealedPrivateKey, context: "signing-key:\(keys[0].kid)")
    let files = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasPrefix(SQLiteStorage.fileName) }
    for file in files {
        let contents = try Data(contentsOf: URL(fileURLWithPath: directory + "/" + file))
        #expect(contents.range(of: raw) == nil, "private key bytes found in \(file)")
        #expect(contents.range(of: Data(server.adminToken.utf8)) == nil, "admin token found in \(file)")
    }
    #expect(try await database.adminTokens.find(hash: AdminAuthenticator.hash(server.adminToken)) != nil)
}

@Test(.stopsServers) func corruptedDatabaseStopsStartupWithAClearError() async throws {
    let directory = temporaryDirectory()
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    #expect(
        FileManager.default.createFile(
            atPath: directory + "/" + SQLiteStorage.fileName, contents: Data(repeating: 0x42, count: 4096)))
    var configuration = ServerConfiguration()
    configuration.port = 0
    configuration.dataDirectory = directory
    do {
        _ = try await TesseraServer.make(configuration: configuration, kek: KeyEncryptionKey.generate().0)
        Issue.record("started on a corrupted database")
    } catch let error as ServerError {
        #expect(error.code == .storage)
    }
}

@Test(.stopsServers) func configurationBoundsAreEnforced() {
    var configuration = ServerConfiguration()
    configuration.clockSkew = 600
    #expect(throws: ServerError.self) { try configuration.validate() }
    configuration = ServerConfiguration()
    configuration.maximumTokenTTL = 7 * 86_400
    #expect(throws: ServerError.self) { try configuration.validate() }
    configuration = ServerConfiguration()
    configuration.defaultTokenTTL = 7200
    #expect(throws: ServerError.self) { try configuration.validate() }
}

@Test(.stopsServers) func formBodyParsingIsStrict() throws {
    let form = try FormBody(parsing: Array("a=1&b=hello+world&c=%2Fx%3D&d=".utf8))
    #expect(form["a"] == "1")
    #expect(form["b"] == "hello world")
    #expect(form["c"] == "/x=")
    #expect(form.nonEmpty("d") == nil)
    #expect(throws: OAuthError.self) { try FormBody(parsing: Array("a=1&a=2".utf8)) }
    #expect(throws: OAuthError.self) { try FormBody(parsing: Array("a=%G1".utf8)) }
    #expect(throws: OAuthError.self) { try FormBody(parsing: Array("a=%FF".utf8)) }
    #expect(throws: OAuthError.self) { try FormBody(parsing: Array("=x".utf8)) }
    // NUL (SQLite cuts a bound string there; PostgreSQL refuses it) and over-long names (hashed after normalisation).
    #expect(throws: OAuthError.self) { try FormBody(parsing: Array("jti=a%00b".utf8)) }
    #expect(throws: OAuthError.self) { try FormBody(parsing: Array("a%00=b".utf8)) }
    #expect(throws: OAuthError.self) { try FormBody(parsing: [UInt8(ascii: "a"), UInt8(ascii: "="), 0]) }
    let longName = String(repeating: "n", count: FormBody.maximumNameLength + 1)
    #expect(throws: OAuthError.self) { try FormBody(parsing: Array("\(longName)=1".utf8)) }
    let marks = String(repeating: "%CD%85%CC%81", count: 40)
    #expect(throws: OAuthError.self) { try FormBody(parsing: Array("a\(marks)=1".utf8)) }
    #expect(try FormBody(parsing: Array("\(longName.dropLast())=1".utf8))[String(longName.dropLast())] == "1")
}
