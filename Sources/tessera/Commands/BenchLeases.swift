import ArgumentParser
import Foundation
import TesseraAudit
import TesseraCrypto

/// `tessera bench leases`: the just-in-time cycle over real HTTP against a running server.
struct BenchLeases: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "leases",
        abstract: "Task start → token → end cycles per second and revocation latency (end → introspection inactive); "
            + "optionally dynamic PostgreSQL credentials created and dropped per second.")

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var client: ClientKeyOptions
    @Option(help: "Seconds to run the cycle.") var seconds: Double = 10
    @Option(help: "Concurrent workers.") var concurrency: Int = 8
    @Option(name: .customLong("postgres-role"), help: "Also create this many dynamic credentials per worker (role template).")
    var postgresRole: String?
    @Option(name: .customLong("credentials"), help: "Dynamic credentials in total (with --postgres-role).") var credentials: Int =
        200
    @Option(
        name: .customLong("tokens-out"),
        help: ArgumentHelp(
            "Only start --credentials tasks, request a task-scoped token for each and write them to this file (JSON, "
                + "mode 0600) for an outside client (scripts/bench/dbcreds-tessera.py); no cycles are run."))
    var tokensOut: String?

    struct Cycle: Sendable {
        var cycles = 0
        var failures = 0
        var revocationLatencies: [Double] = []
    }

    func run() async throws {
        let admin = try connection.client()
        let key = try client.signingKey()
        let endpoint = admin.base.absoluteString + "/oauth2/token"
        let clientID = client.clientID
        if let tokensOut {
            let prepared = try await Self.prepare(credentials, admin: admin, key: key, clientID: clientID, endpoint: endpoint)
            guard
                FileManager.default.createFile(
                    atPath: tokensOut,
                    contents: try JSONSerialization.data(withJSONObject: prepared.map { ["task": $0.task, "token": $0.token] }),
                    attributes: [.posixPermissions: 0o600])
            else { throw CommandFailure(message: "cannot write \(tokensOut)") }
            print("{\"prepared\": \(prepared.count)}")
            return
        }
        let deadline = Date().addingTimeInterval(seconds)
        let started = Date()
        let results = await withTaskGroup(of: Cycle.self) { group in
            for _ in 0..<max(1, concurrency) {
                group.addTask {
                    var cycle = Cycle()
                    while Date() < deadline {
                        do {
                            let latency = try await Self.oneCycle(admin: admin, key: key, clientID: clientID, endpoint: endpoint)
                            cycle.cycles += 1
                            cycle.revocationLatencies.append(latency)
                        } catch {
                            cycle.failures += 1
                        }
                    }
                    return cycle
                }
            }
            var total = Cycle()
            for await part in group {
                total.cycles += part.cycles
                total.failures += part.failures
                total.revocationLatencies += part.revocationLatencies
            }
            return total
        }
        let elapsed = Date().timeIntervalSince(started)
        let sorted = results.revocationLatencies.sorted()
        func percentile(_ p: Double) -> Double {
            sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))] * 1000
        }
        var report: [String: Any] = [
            "cycles": results.cycles, "failures": results.failures, "cycles_per_second": Double(results.cycles) / elapsed,
            "revocation_ms_p50": percentile(0.5), "revocation_ms_p99": percentile(0.99),
            "revocation_ms_max": (sorted.last ?? 0) * 1000,
        ]
        if let postgresRole {
            report.merge(
                try await Self.credentials(
                    admin: admin, key: key, clientID: clientID, endpoint: endpoint, role: postgresRole, count: credentials,
                    concurrency: concurrency)
            ) { $1 }
        }
        let data = try JSONSerialization.data(withJSONObject: report, options: [.sortedKeys])
        print(String(decoding: data, as: UTF8.self))
    }

    private static func token(admin: AdminClient, key: PrivateSigningKey, clientID: String, endpoint: String, task: String)
        async throws -> String
    {
        let assertion = try ClientAssertion.sign(clientID: clientID, audience: endpoint, key: key, now: Date())
        let reply = try await AdminClient(base: admin.base, token: nil).send(
            "POST", "/oauth2/token",
            form: [
                "grant_type": "client_credentials", "client_id": clientID, "task_id": task,
                "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer", "client_assertion": assertion,
            ])
        guard reply.isSuccess,
            let token = (try? JSONSerialization.jsonObject(with: reply.body) as? [String: Any])?["access_token"] as? String
        else { throw CommandFailure(message: "token refused: \(AdminClient.explain(reply))") }
        return token
    }

    private static func startTask(admin: AdminClient, clientID: String) async throws -> String {
        let data = try await admin.expect(
            "POST", "/v1/tasks", json: ["intent": "benchmark cycle", "identities": [clientID], "ttl": 600] as [String: Any])
        guard let id = (try? JSONSerialization.jsonObject(with: data) as? [String: Any])?["id"] as? String else {
            throw CommandFailure(message: "no task id")
        }
        return id
    }

    /// One cycle; returns seconds from sending `end` until introspection reports the token inactive.
    private static func oneCycle(admin: AdminClient, key: PrivateSigningKey, clientID: String, endpoint: String) async throws
        -> Double
    {
        let task = try await startTask(admin: admin, clientID: clientID)
        let token = try await token(admin: admin, key: key, clientID: clientID, endpoint: endpoint, task: task)
        let ending = Date()
        _ = try await admin.expect("POST", "/v1/tasks/\(task)/end")
        while true {
            let data = try await admin.expect("POST", "/oauth2/introspect", form: ["token": token])
            if (try? JSONSerialization.jsonObject(with: data) as? [String: Any])?["active"] as? Bool == false { break }
            guard Date().timeIntervalSince(ending) < 10 else { throw CommandFailure(message: "token still active after 10 s") }
        }
        return Date().timeIntervalSince(ending)
    }

    /// `count` tasks, each with a task-scoped access token.
    private static func prepare(
        _ count: Int, admin: AdminClient, key: PrivateSigningKey, clientID: String, endpoint: String
    ) async throws -> [(task: String, token: String)] {
        var prepared: [(task: String, token: String)] = []
        for _ in 0..<count {
            let task = try await startTask(admin: admin, clientID: clientID)
            prepared.append((task, try await token(admin: admin, key: key, clientID: clientID, endpoint: endpoint, task: task)))
        }
        return prepared
    }

    /// Creates `count` dynamic credentials (each in its own task), ends the tasks, and times until every role is gone.
    private static func credentials(
        admin: AdminClient, key: PrivateSigningKey, clientID: String, endpoint: String, role: String, count: Int,
        concurrency: Int
    ) async throws -> [String: Any] {
        // Tasks and tokens first, so the timing covers only the credential path.
        let items = try await prepare(count, admin: admin, key: key, clientID: clientID, endpoint: endpoint)
        let lanes = max(1, concurrency)
        let createStart = Date()
        let created = try await withThrowingTaskGroup(of: [String].self) { group in
            for lane in 0..<lanes {
                group.addTask {
                    var names: [String] = []
                    for index in stride(from: lane, to: items.count, by: lanes) {
                        let data = try await AdminClient(base: admin.base, token: items[index].token).expect(
                            "POST", "/v1/secrets/postgres", json: ["role": role])
                        if let name = (try? JSONSerialization.jsonObject(with: data) as? [String: Any])?["username"] as? String {
                            names.append(name)
                        }
                    }
                    return names
                }
            }
            return try await group.reduce(into: [String]()) { $0 += $1 }
        }
        let createSeconds = Date().timeIntervalSince(createStart)
        let dropStart = Date()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for lane in 0..<lanes {
                group.addTask {
                    for index in stride(from: lane, to: items.count, by: lanes) {
                        _ = try await admin.expect("POST", "/v1/tasks/\(items[index].task)/end")
                    }
                }
            }
            try await group.waitForAll()
        }
        // Drops are asynchronous (the sweeper, every 0.5 s): wait until no lease is left unreleased.
        var remaining = Set(created)
        var after = 0
        while !remaining.isEmpty, Date().timeIntervalSince(dropStart) < 120 {
            after = try await markDestroyed(admin: admin, remaining: &remaining, after: after)
            if !remaining.isEmpty { try await Task.sleep(for: .milliseconds(50)) }
        }
        let dropSeconds = Date().timeIntervalSince(dropStart)
        return [
            "credentials": created.count, "credential_create_per_second": Double(created.count) / createSeconds,
            "credential_drop_seconds": dropSeconds,
            "credential_cycle_per_second": Double(created.count) / (createSeconds + dropSeconds),
        ]
    }

    /// Removes from `remaining` every role the audit log reports destroyed after record `after`; returns the
    /// last record number read.
    private static func markDestroyed(admin: AdminClient, remaining: inout Set<String>, after start: Int) async throws -> Int {
        var after = start
        while true {
            let data = try await admin.expect("GET", "/v1/audit/records?after=\(after)&limit=1000")
            let lines = String(decoding: data, as: UTF8.self).split(separator: "\n")
            for line in lines {
                guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { continue }
                if let seq = object["seq"] as? Int { after = max(after, seq) }
                if object["type"] as? String == AuditEventType.secretDestroyed,
                    let username = (object["details"] as? [String: Any])?["username"] as? String
                {
                    remaining.remove(username)
                }
            }
            if lines.count < 1000 { return after }
        }
    }
}
