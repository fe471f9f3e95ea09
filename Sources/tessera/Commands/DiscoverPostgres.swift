import ArgumentParser
import Foundation
import TesseraDiscovery
import TesseraSecrets

struct DiscoverPostgres: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "postgres",
        abstract: "Discover a PostgreSQL server's login roles.",
        discussion: """
            Reads login roles (superuser, createrole, createdb, bypassrls, replication, connection limit, VALID UNTIL, \
            whether a password is set), memberships, database and schema grants, and the sessions open now (client \
            address and application: a psql session on an application role is human use). Read-only; no password hash \
            is ever selected. Knowing whether a password is set needs superuser (pg_authid); other roles' session \
            addresses need pg_read_all_stats. Whatever the login cannot read is reported, not guessed.

            The password comes from --password-file or TESSERA_DISCOVER_PASSWORD, never from the URL on a shared \
            machine (a password in the URL is accepted but visible in the process list).

            Examples:
              TESSERA_DISCOVER_PASSWORD=... tessera discover postgres --url postgres://discovery@db.internal:5432/app \
                --admin-token-file .tessera/admin-token
              tessera discover postgres --url postgres://discovery@127.0.0.1/app --password-file pw --print-only --json
            """)

    @Option(help: "postgres://user@host:port/database[?sslmode=verify-full&sslrootcert=ca.pem]")
    var url: String

    @Option(
        name: .customLong("password-file"), help: "Read the login's password from this file (else TESSERA_DISCOVER_PASSWORD).")
    var passwordFile: String?

    @OptionGroup var output: DiscoverOutputOptions

    func run() async throws {
        var settings: PostgresConnectionSettings
        do {
            settings = try PostgresConnectionSettings(url: url)
        } catch {
            throw CommandFailure(message: "--url: \(error.reason)")
        }
        if let password = try DiscoverySecret.read(
            file: passwordFile, environment: "TESSERA_DISCOVER_PASSWORD", what: "password")
        {
            settings = settings.replacingPassword(password)
        }
        try await output.run(PostgresConnector(settings: settings))
    }
}
