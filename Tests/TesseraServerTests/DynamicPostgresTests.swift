import Foundation
import Logging
import PostgresNIO
import TesseraAudit
import TesseraSecrets
import TesseraStore
import TesseraTestSupport
import Testing

@testable import TesseraServer

/// Dynamic PostgreSQL credentials against the real PostgreSQL that `scripts/test` starts.
@Suite(.serialized, .stopsServers, .needsPostgres) struct DynamicPostgresTests {
    private func settings() throws -> PostgresConnectionSettings {
        guard let url = ProcessInfo.processInfo.environment["TESSERA_TEST_POSTGRES_URL"] else {
            throw SecretsError(.configuration, "TESSERA_TEST_POSTGRES_URL is not set: run scripts/test (it starts PostgreSQL)")
        }
        return try PostgresConnectionSettings(url: url)
    }

    private let templates = [
        "read": PostgresRoleTemplate(
            creation: ["CREATE ROLE {{name}} LOGIN PASSWORD {{password}} VALID UNTIL {{expiry}} IN ROLE app_read"],
            maxTTL: 3600)
    ]

    private func canLogIn(_ settings: PostgresConnectionSettings, _ user: String, _ password: String) async -> Bool {
        guard
            let connection = try? await PostgresConnection.connect(
                configuration: .init(
                    host: settings.host, port: settings.port, username: user, password: password, database: settings.database,
                    tls: .disable),
                id: 9, logger: Logger(label: "test"))
        else { return false }
        try? await connection.close()
        return true
    }

    @Test func aTaskGetsARoleThatIsDroppedWhenTheTaskEnds() async throws {
        let postgres = try settings()
        let orphanMaker = PostgresRoleManager(settings: postgres, templates: templates, logger: Logger(label: "t"))
        let orphan = try await orphanMaker.create(template: "read", requestedExpiry: Date().addingTimeInterval(600), now: Date())
        let server = try await TestServer.start {
            $0.postgresSecrets = PostgresSecretsConfiguration(settings: postgres, templates: templates)
        }
        let worker = try await server.registerWorkload("legacy-batch", scopes: ["db:read"])
        let task = try await server.admin(
            "POST", "/v1/tasks",
            json: [
                "intent": "nightly export", "identities": [worker.clientID], "scopes": ["db:read"], "ttl": 900,
            ])
        let taskID = try #require(task.json["id"] as? String)
        let taskToken = try #require(
            try await server.requestToken(worker) { $0["task_id"] = taskID }.json["access_token"] as? String)
        let plainToken = try #require(try await server.requestToken(worker).json["access_token"] as? String)

        func request(_ token: String?, role: String = "read") async throws -> TestServer.Reply {
            try await server.send(
                "POST", "/v1/secrets/postgres", body: try JSONSerialization.data(withJSONObject: ["role": role]),
                contentType: "application/json", headers: token.map { ["Authorization": "Bearer \($0)"] } ?? [:])
        }
        #expect(try await request(nil).status == 401)
        #expect(try await request(plainToken).status == 403, "a credential needs a task")
        #expect(try await request(taskToken, role: "superuser").status == 404)
        let issued = try await request(taskToken)
        #expect(issued.status == 201)
        let username = try #require(issued.json["username"] as? String)
        let password = try #require(issued.json["password"] as? String)
        #expect(issued.json["task_id"] as? String == taskID)
        #expect(await canLogIn(postgres, username, password))

        // The orphan (a role with no lease, as after a crash) is swept at start-up, by the expirer's first tick (a
        // background service: under a loaded test run it may come after the requests above).
        let swept = try await eventually(within: .seconds(5), every: .milliseconds(100)) {
            !(try await orphanMaker.managedRoles().contains(orphan.username))
        }
        #expect(swept)

        let ended = try await server.admin("POST", "/v1/tasks/\(taskID)/end", json: ["reason": "export finished"])
        #expect(ended.json["revoked_leases"] as? Int == 2, "the access token and the database role")
        var dropped = false
        for _ in 0..<30 where !dropped {
            try await Task.sleep(for: .milliseconds(100))
            dropped = !(try await orphanMaker.managedRoles().contains(username))
        }
        #expect(dropped, "the role is dropped within about a second of the task ending")
        #expect(!(await canLogIn(postgres, username, password)))
        #expect(try await request(taskToken).status == 401, "the task's token was revoked with it")

        await server.stop()
        let database = try SQLiteStorage(directory: server.dataDirectory)
        let types = try await database.audit.records(after: 0, limit: 200).map { try $0.content().type }
        #expect(types.contains("secret.issued"))
        #expect(types.contains("secret.destroyed"))
        #expect(types.contains("secret.orphan_dropped"))

        // The credential's decision is replayable like a token's: same policies, no change; a forbid on issue_secret
        // lists exactly it.
        let keyring = AuditKeyring(rootKey: server.kek.derivedKey(purpose: AuditKeyring.kekPurpose))
        let same = try await PolicyReplay(replayer: DecisionReplayer(policies: try ActivePolicies.builtIn()), keyring: keyring)
            .run(database.audit)
        #expect(same.lackingInput.isEmpty && same.unreadable.isEmpty && same.changed == 0 && same.replayed >= 3)
        let folder = NSTemporaryDirectory() + "tessera-no-secrets-" + UUID().uuidString
        let defaults = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("policies/default").path
        try FileManager.default.copyItem(atPath: defaults, toPath: folder)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try "@id(\"no-secrets\")\nforbid (principal, action == Tessera::Action::\"issue_secret\", resource);\n".write(
            toFile: folder + "/no-secrets.cedar", atomically: true, encoding: .utf8)
        let edited = try await PolicyReplay(
            replayer: DecisionReplayer(policies: try ActivePolicies.load(directory: folder)), keyring: keyring
        ).run(database.audit)
        #expect(edited.changes.map(\.type) == ["secret.issued"])
        #expect(edited.changes.first?.action == "issue_secret" && edited.changes.first?.newPolicies == ["no-secrets"])
    }

    /// Runs `psql` as `user`; returns the process (still running when `sql` blocks) and its output pipe.
    private func psql(_ settings: PostgresConnectionSettings, _ user: String, _ password: String, _ sql: String) throws
        -> (Process, Pipe)
    {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "psql", "-h", settings.host, "-p", "\(settings.port)", "-U", user, "-d", settings.database, "-v", "ON_ERROR_STOP=1",
            "-Atc", sql,
        ]
        var environment = ProcessInfo.processInfo.environment
        environment["PGPASSWORD"] = password
        environment["PGCONNECT_TIMEOUT"] = "5"
        process.environment = environment
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        return (process, pipe)
    }

    @Test func psqlSessionsAreTerminatedWhenTheTaskEndsAndRenewalsStayWithinTheTask() async throws {
        let postgres = try settings()
        let server = try await TestServer.start {
            $0.postgresSecrets = PostgresSecretsConfiguration(settings: postgres, templates: templates)
        }
        let worker = try await server.registerWorkload("psql-batch", scopes: ["db:read"])
        let task = try await server.admin(
            "POST", "/v1/tasks",
            json: [
                "intent": "ad-hoc report", "identities": [worker.clientID], "scopes": ["db:read"], "ttl": 900,
            ])
        let taskID = try #require(task.json["id"] as? String)
        let token = try #require(try await server.requestToken(worker) { $0["task_id"] = taskID }.json["access_token"] as? String)
        let issued = try await server.send(
            "POST", "/v1/secrets/postgres", body: try JSONSerialization.data(withJSONObject: ["role": "read"]),
            contentType: "application/json", headers: ["Authorization": "Bearer \(token)"])
        let username = try #require(issued.json["username"] as? String)
        let password = try #require(issued.json["password"] as? String)

        // A real psql login works.
        let (login, loginOutput) = try psql(postgres, username, password, "SELECT current_user")
        login.waitUntilExit()
        #expect(login.terminationStatus == 0)
        #expect(String(decoding: loginOutput.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).contains(username))

        // Renewal: beyond the task is refused; within it, PostgreSQL's VALID UNTIL moves too.
        let beyond = try await server.admin("POST", "/v1/leases/\(username)/renew", json: ["ttl": 1200])
        #expect(beyond.status == 400)
        #expect((beyond.json["detail"] as? String)?.contains("renewal beyond the task") == true)
        #expect(try await server.admin("POST", "/v1/leases/\(username)/renew", json: ["ttl": 60]).status == 400, "only extends")
        #expect(try await server.admin("GET", "/v1/leases/\(username)").json["kind"] as? String == "postgres_role")
        #expect(try await server.admin("POST", "/v1/tasks/\(taskID)/renew", json: ["ttl": 1800]).status == 200)
        let renewed = try await server.admin("POST", "/v1/leases/\(username)/renew", json: ["ttl": 1700])
        #expect(renewed.status == 200, "\(renewed.json)")
        let (check, checkOutput) = try psql(
            postgres, postgres.username, postgres.password ?? "",
            "SELECT extract(epoch FROM rolvaliduntil)::bigint FROM pg_roles WHERE rolname = '\(username)'")
        check.waitUntilExit()
        let validUntil =
            Double(
                String(decoding: checkOutput.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                    .trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let renewedExpiry = try #require(formatter.date(from: renewed.json["expires_at"] as? String ?? ""))
        #expect(abs(validUntil - renewedExpiry.timeIntervalSince1970) <= 1, "VALID UNTIL follows the renewal")

        // An open session is terminated when the task ends, and logging in again fails.
        let (session, sessionOutput) = try psql(postgres, username, password, "SELECT pg_sleep(30)")
        try await Task.sleep(for: .milliseconds(500))
        #expect(session.isRunning)
        _ = try await server.admin("POST", "/v1/tasks/\(taskID)/end", json: ["reason": "report done"])
        for _ in 0..<50 where session.isRunning { try await Task.sleep(for: .milliseconds(100)) }
        #expect(!session.isRunning, "the session was terminated within seconds, not after pg_sleep(30)")
        session.waitUntilExit()
        #expect(session.terminationStatus != 0)
        let sessionText = String(decoding: sessionOutput.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(sessionText.contains("terminat"), "\(sessionText)")
        let (again, againOutput) = try psql(postgres, username, password, "SELECT 1")
        again.waitUntilExit()
        #expect(again.terminationStatus != 0)
        let againText = String(decoding: againOutput.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(
            againText.contains("authentication failed") || againText.contains("does not exist")
                || againText.contains("not permitted to log in"), "\(againText)")
    }
}
