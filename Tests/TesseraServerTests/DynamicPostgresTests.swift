import Foundation
import Logging
import PostgresNIO
import Testing
import TesseraSecrets
import TesseraStore

/// Dynamic PostgreSQL credentials against the real PostgreSQL that `scripts/test` starts.
@Suite(.serialized) struct DynamicPostgresTests {
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
        guard let connection = try? await PostgresConnection.connect(
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
        defer { Task { await server.stop() } }
        let worker = try await server.registerWorkload("legacy-batch", scopes: ["db:read"])
        let task = try await server.admin("POST", "/v1/tasks", json: [
            "intent": "nightly export", "identities": [worker.clientID], "scopes": ["db:read"], "ttl": 900,
        ])
        let taskID = try #require(task.json["id"] as? String)
        let taskToken = try #require(try await server.requestToken(worker) { $0["task_id"] = taskID }.json["access_token"] as? String)
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

        // The orphan (a role with no lease, as after a crash) is swept at start-up.
        #expect(!(try await orphanMaker.managedRoles().contains(orphan.username)))

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
        let database = try TesseraDatabase(directory: server.dataDirectory)
        let types = try await database.audit.records(after: 0, limit: 200).map { try $0.content().type }
        #expect(types.contains("secret.issued"))
        #expect(types.contains("secret.destroyed"))
        #expect(types.contains("secret.orphan_dropped"))
    }
}
