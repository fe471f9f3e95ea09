import Crypto
import Foundation
import ServiceLifecycle
import TesseraCore
import TesseraCrypto
import TesseraPolicy
import TesseraServer
import TesseraTestSupport
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// End to end through the real server's HTTP API: identities registered over HTTP, tokens issued with real
/// private_key_jwt assertions over simulated weeks (injected clock), then findings, lifecycle and evidence; on
/// SQLite and on PostgreSQL storage (a schema of its own in the test cluster).
@Suite struct PostureAPITests {
    final class Harness: Sendable {
        let base: String
        let token: String
        let clock: ManualTimeSource
        let directory: String
        let kek: KeyEncryptionKey
        let group: ServiceGroup
        let task: Task<Void, any Error>

        /// A server on a free port; pass `directory`, `kek` and `token` to restart on an existing data folder.
        init(
            clock: ManualTimeSource, directory: String? = nil, kek: KeyEncryptionKey? = nil, token: String? = nil,
            policyDirectory: String? = nil, storage: String? = nil
        ) async throws {
            var configuration = ServerConfiguration()
            configuration.port = 0
            configuration.dataDirectory = directory ?? NSTemporaryDirectory() + "tessera-posture-e2e-" + UUID().uuidString
            configuration.policyDirectory = policyDirectory
            configuration.storage = storage
            let kek = kek ?? KeyEncryptionKey.generate().0
            let server = try await TesseraServer.make(configuration: configuration, kek: kek, clock: clock)
            let adminToken = token ?? server.bootstrap.newAdminToken ?? ""
            let (stream, continuation) = AsyncStream<Int>.makeStream()
            let group = try server.serviceGroup { port in continuation.yield(port) }
            let task = Task {
                defer { continuation.finish() }  // a server that fails to start ends the wait instead of hanging it
                try await group.run()
            }
            var iterator = stream.makeAsyncIterator()
            let port = try #require(await iterator.next())
            self.base = "http://127.0.0.1:\(port)"
            self.token = adminToken
            self.kek = kek
            self.clock = clock
            self.directory = configuration.dataDirectory
            self.group = group
            self.task = task
        }

        /// Graceful shutdown (as SIGTERM), awaited.
        func stop(keepData: Bool = false) async {
            await group.triggerGracefulShutdown()
            _ = await task.result
            if !keepData { try? FileManager.default.removeItem(atPath: directory) }
        }

        func send(_ method: String, _ path: String, json: Any? = nil, form: String? = nil) async throws -> (Int, Data) {
            var request = URLRequest(url: URL(string: base + path)!)
            request.httpMethod = method
            if form == nil { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
            if let json {
                request.httpBody = try JSONSerialization.data(withJSONObject: json)
                request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            }
            if let form {
                request.httpBody = Data(form.utf8)
                request.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
            }
            let (data, response) = try await HTTPTestClient.data(for: request)
            return ((response as? HTTPURLResponse)?.statusCode ?? 0, data)
        }

        func object(_ method: String, _ path: String, json: Any? = nil) async throws -> [String: Any] {
            let (status, data) = try await send(method, path, json: json)
            #expect((200..<300).contains(status), "\(method) \(path): \(status) \(String(decoding: data, as: UTF8.self))")
            return try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
        }

        func register(
            _ name: String, owner: String, scopes: [String], key: P256.Signing.PrivateKey, environment: String = "prod",
            kind: String = "service", extra: [String: Any] = [:]
        ) async throws -> String {
            var body: [String: Any] = [
                "spiffe_id": "spiffe://example.org/\(name)", "kind": kind, "owner": owner, "purpose": "posture e2e",
                "scopes": scopes, "public_key_pem": key.publicKey.pemRepresentation, "environment": environment,
            ]
            body.merge(extra) { _, new in new }
            return try await object("POST", "/v1/identities", json: body)["id"] as? String ?? ""
        }

        func issue(_ name: String, key: P256.Signing.PrivateKey, scope: String) async throws {
            let (status, data) = try await requestToken(name, key: key, scope: scope)
            #expect(status == 200, "token: \(String(decoding: data, as: UTF8.self))")
        }

        /// A client-credentials request with a fresh private_key_jwt assertion; the status and body, whatever they are.
        func requestToken(_ name: String, key: P256.Signing.PrivateKey, scope: String, extra: String = "") async throws -> (
            Int, Data
        ) {
            let assertion = try ClientAssertion.sign(
                clientID: "spiffe://example.org/\(name)", audience: base + "/oauth2/token", key: .p256(key), now: clock.now())
            let form =
                "grant_type=client_credentials&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer"
                + "&client_assertion=\(assertion)&scope=\(scope.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? scope)"
                + extra
            return try await send("POST", "/oauth2/token", form: form)
        }

        func findings(_ query: String = "") async throws -> [[String: Any]] {
            try await object("GET", "/v1/findings" + query)["findings"] as? [[String: Any]] ?? []
        }
    }

    @Test(arguments: PostgresTestCluster.runs ? ["sqlite", "postgresql"] : ["sqlite"]) func findingsLifecycleAndEvidenceOverHTTP(
        engine: String
    ) async throws {
        let schema = engine == "postgresql" ? try await PostureTestSchema.create() : nil
        let clock = ManualTimeSource(Date(timeIntervalSince1970: 1_800_000_000))
        let harness = try await Harness(clock: clock, storage: schema?.url)
        do {
            try await scenario(harness, clock: clock, postgres: schema != nil)
        } catch {
            await harness.stop()
            try? await schema?.drop()
            throw error
        }
        await harness.stop()
        try await schema?.drop()
    }

    private func scenario(_ harness: Harness, clock: ManualTimeSource, postgres: Bool) async throws {
        let billingKey = P256.Signing.PrivateKey(compactRepresentable: false)
        let wikiKey = P256.Signing.PrivateKey(compactRepresentable: false)
        let billing = try await harness.register(
            "billing", owner: "alice@corp.invalid", scopes: ["invoices:read", "invoices:write"], key: billingKey)
        _ = try await harness.register("wiki", owner: "bob@corp.invalid", scopes: ["wiki:read"], key: wikiKey)
        for _ in 0..<35 {
            clock.advance(by: 86_400)
            try await harness.issue("billing", key: billingKey, scope: "invoices:read")
            try await harness.issue("wiki", key: wikiKey, scope: "wiki:read")
        }
        // Nothing is wrong yet except billing's unused invoices:write.
        var findings = try await harness.findings()
        #expect(findings.count == 1)
        let over = try #require(findings.first)
        let finding = over["finding"] as? [String: Any] ?? [:]
        #expect(finding["category"] as? String == "over-privilege")
        #expect(finding["owasp"] as? String == "NHI5")
        #expect(finding["identity_id"] as? String == billing)
        let suggestion = finding["suggestion"] as? [String: Any] ?? [:]
        #expect(suggestion["keep_scopes"] as? [String] == ["invoices:read"])
        #expect((suggestion["cedar_policy"] as? String)?.contains("forbid") == true)
        #expect(((finding["evidence"] as? [[String: Any]]) ?? []).contains { $0["seq"] != nil })

        // Bob departs: wiki is orphaned and queued; a scanned secret is registered.
        let departed = try await harness.object("POST", "/v1/owners/bob@corp.invalid/depart")
        #expect((departed["queued"] as? [String])?.count == 1)
        let queue = try await harness.object("GET", "/v1/owners/reassignments")["reassignments"] as? [[String: Any]] ?? []
        #expect(queue.first?["previous_owner"] as? String == "bob@corp.invalid")
        _ = try await harness.object(
            "POST", "/v1/static-secrets",
            json: [
                "kind": "aws-access-key-id", "location": "repo/app.cfg:2", "fingerprint": "0011223344556677",
                "redacted": "AKIA…[20 chars]", "source": "scan",
            ])
        findings = try await harness.findings()
        let categories = findings.compactMap { ($0["finding"] as? [String: Any])?["category"] as? String }.sorted()
        #expect(categories == ["orphaned", "over-privilege", "secret-in-code"])
        #expect(try await harness.findings("?owasp=NHI1").count == 1)
        #expect(try await harness.findings("?severity=high").count == 2)

        // Acknowledge the over-privilege finding, then fix it: it resolves automatically.
        let overID = finding["id"] as? String ?? ""
        _ = try await harness.object(
            "POST", "/v1/findings/\(overID)/acknowledge", json: ["reason": "quarterly job", "until": "2030-01-01"])
        #expect(try await harness.findings("?status=acknowledged").count == 1)
        _ = try await harness.object("PATCH", "/v1/identities/\(billing)", json: ["scopes": ["invoices:read"]])
        #expect(try await harness.findings("?category=over-privilege").isEmpty)

        // Evidence for auditors: every issuance with its record number, in JSON and Markdown.
        let evidence = try await harness.object("GET", "/v1/posture/evidence/\(billing)")
        #expect((evidence["issuances"] as? [[String: Any]])?.count == 35)
        #expect((evidence["lifecycle"] as? [[String: Any]])?.isEmpty == false)
        let (status, markdown) = try await harness.send("GET", "/v1/posture/evidence/\(billing)?format=markdown")
        #expect(status == 200)
        #expect(String(decoding: markdown, as: UTF8.self).contains("## Credentials issued (35)"))
        let (htmlStatus, html) = try await harness.send("GET", "/v1/posture/report?format=html")
        #expect(htmlStatus == 200)
        #expect(String(decoding: html, as: UTF8.self).contains("NHI1 Improper Offboarding"))
        let report = try await harness.object("GET", "/v1/posture/report")
        #expect((report["by_owasp"] as? [String: Int])?["NHI1"] == 1)

        // 100 quiet days later both identities are stale (the digest is continued, not refolded).
        clock.advance(by: 100 * 86_400)
        let stale = try await harness.findings("?category=stale").compactMap {
            ($0["finding"] as? [String: Any])?["identity_id"] as? String
        }
        #expect(stale.count == 2 && stale.contains(billing), "\(stale)")

        // The digest cache: next to the SQLite file, or in the data folder per PostgreSQL endpoint and schema.
        let files = (try? FileManager.default.contentsOfDirectory(atPath: harness.directory)) ?? []
        if postgres {
            #expect(files.contains { $0.hasPrefix("posture-digest.postgres.") }, "\(files)")
        } else {
            #expect(files.contains { $0.hasSuffix(".posture-digest") }, "\(files)")
        }
    }
}
