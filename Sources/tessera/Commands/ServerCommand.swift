import ArgumentParser
import Foundation
import Logging
import TesseraSecrets
import TesseraServer
import TesseraStore

struct ServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "server",
        abstract: "Run the Tessera server (OAuth token service, admin API, audit log).",
        discussion: """
            Needs a key-encryption key (--kek-file, TESSERA_KEK_FILE or TESSERA_KEK): signing keys are encrypted at
            rest under it. On first start the data folder is created, an ES256 signing key is generated and a
            bootstrap admin token is printed once; keep it, it is stored only as a hash.
            """)

    @OptionGroup var options: ServerOptions

    @Flag(help: "Development mode: generate a KEK in the data folder if none is given (never in production).")
    var dev = false

    func run() async throws {
        try await ServerRunner(options: options, development: dev, writeAdminTokenFile: dev).run()
    }
}

struct DevCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dev",
        abstract: "Run a throwaway local server: generated KEK, admin token written to DATA_DIR/admin-token.",
        discussion: "For laptops and tests only. The KEK lives next to the data it protects, which defeats its purpose.")

    @OptionGroup var options: ServerOptions

    func run() async throws {
        try await ServerRunner(options: options, development: true, writeAdminTokenFile: true).run()
    }
}

/// Starts a server from command-line options and explains failures in one line.
struct ServerRunner {
    let options: ServerOptions
    let development: Bool
    let writeAdminTokenFile: Bool

    func run() async throws {
        guard ["text", "json"].contains(options.logFormat) else {
            throw CommandFailure(message: "--log-format must be text or json")
        }
        var logger =
            options.logFormat == "json"
            ? Logger(label: "tessera", factory: { JSONLogHandler(label: $0) }) : Logger(label: "tessera")
        logger.logLevel = Logger.Level(rawValue: options.logLevel) ?? .info
        var configuration = try options.configuration(development: development)
        try options.federation.apply(to: &configuration)
        if let roles = options.postgresRoles {
            // The admin URL carries a password: only the environment, never a flag visible in `ps`.
            guard let url = ProcessInfo.processInfo.environment["TESSERA_DYNAMIC_POSTGRES_URL"] else {
                throw CommandFailure(
                    message: "--postgres-roles needs TESSERA_DYNAMIC_POSTGRES_URL=postgres://user:password@host:port/db")
            }
            do {
                configuration.postgresSecrets = PostgresSecretsConfiguration(
                    settings: try PostgresConnectionSettings(url: url), templates: try PostgresRoleTemplate.load(file: roles))
            } catch {
                throw CommandFailure(message: error.reason)
            }
        }
        do {
            // Refuse bad settings before anything is written (a data folder, a generated KEK).
            try configuration.validate()
            // SQLite storage belongs to this process alone (before the KEK, which dev mode may generate there);
            // PostgreSQL storage is shared by design.
            let lock = configuration.storage == nil ? try DataDirectoryLock.acquire(options.dataDir) : nil
            defer { lock?.hold() }
            let (kek, source) = try KEKLoader.load(
                file: options.kekFile, environment: ProcessInfo.processInfo.environment,
                dataDirectory: options.dataDir, development: development)
            if case .generatedForDevelopment(let path) = source {
                Output.note(
                    """
                    ************************************************************************
                    DEVELOPMENT MODE: generated a key-encryption key at \(path).
                    It sits next to the data it protects. Do not use this for real secrets.
                    ************************************************************************
                    """)
            }
            let server = try await TesseraServer.make(configuration: configuration, kek: kek, logger: logger)
            if let token = server.bootstrap.newAdminToken {
                try announce(adminToken: token)
            }
            let issuer = server.issuer
            // Where the state is: the data folder, or the PostgreSQL endpoint (its description has no password).
            let location = server.database.sharedEndpoint.map { "storage \($0)" } ?? "data in \(options.dataDir)"
            let trustDomain = options.trustDomain
            try await server.run { port in
                Output.note("tessera listening on \(issuer) (port \(port)), trust domain \(trustDomain), \(location)")
            }
        } catch let error as ServerError {
            throw CommandFailure(message: error.reason)
        }
    }

    private func announce(adminToken: String) throws {
        if writeAdminTokenFile {
            let path = (options.dataDir as NSString).appendingPathComponent("admin-token")
            // With PostgreSQL storage nothing else made the data folder.
            try? FileManager.default.createDirectory(
                atPath: options.dataDir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            guard
                FileManager.default.createFile(
                    atPath: path, contents: Data((adminToken + "\n").utf8), attributes: [.posixPermissions: 0o600])
            else { throw CommandFailure(message: "cannot write \(path)") }
            Output.note("bootstrap admin token written to \(path) (export TESSERA_TOKEN=$(cat \(path)))")
        } else {
            Output.note(
                """
                Bootstrap admin token (shown once; stored only as a hash):
                  \(adminToken)
                """)
        }
    }
}
