import Foundation
import TesseraCore
import Testing

@testable import TesseraDiscovery

/// Maps answers captured from a real OpenBao 2.7 dev server seeded by scripts/e2e/discovery/seed-openbao
/// (Vectors/openbao) into observations, and checks every attribute the posture rules read.
@Suite struct OpenBaoMapperTests {
    static let vectors = OpenBaoPolicyTests.vectors
    let scope = "openbao://127.0.0.1:8200"

    static func answer(_ name: String) throws -> OpenBaoValue {
        let data = try Data(contentsOf: vectors.appendingPathComponent("\(name).json"))
        return try #require(OpenBaoValue.parse(data))
    }

    static func accessor(_ key: String) throws -> String { try #require(answer("accessors")[key].string) }

    func mapper(selfAccessor: String? = nil) throws -> OpenBaoMapper {
        var texts: [String: String] = [:]
        for name in ["admin-all", "app-read", "default", "sys-audit-reader", "tessera-discovery"] {
            texts[name] = try OpenBaoPolicyTests.policy(name)
        }
        return OpenBaoMapper(scope: scope, analysis: OpenBaoPolicyAnalysis(policies: texts), selfAccessor: selfAccessor)
    }

    @Test func anAppRoleWithoutSecretIDTTLAndABroadPolicy() throws {
        let accessor = try Self.accessor("ci_deployer_secret_id")
        let observation = try mapper().appRole(
            mount: "approle", name: "ci-deployer", role: Self.answer("approle-ci-deployer")["data"],
            secretIDs: [(accessor, try Self.answer("secret-id-ci-deployer")["data"])])
        #expect(observation.externalID == "openbao://127.0.0.1:8200/auth/approle/role/ci-deployer")
        #expect(observation.kind == "approle")
        #expect(observation.attributes["secret_id_ttl"] == "0")
        #expect(observation.attributes["secret_id_num_uses"] == "0")
        #expect(observation.attributes["token_policies"] == "admin-all")
        #expect(observation.attributes["bind_secret_id"] == "true")
        #expect(observation.attributes["secret_ids"] == "1")
        #expect(observation.grants == ["policy: admin-all"])
        #expect(observation.privileged == ["policy \"admin-all\": path \"*\" with [create, read, update, delete, list, sudo]"])
        let credential = try #require(observation.credentials.first)
        #expect(credential.kind == "secret-id")
        #expect(credential.reference == CredentialFingerprint.of(accessor))
        #expect(credential.expiryKnown && credential.expiresAt == nil)  // 0001-01-01: never
        #expect(credential.createdAt != nil)
        #expect(!observation.usageKnown)
    }

    @Test func anAppRoleThatIsFine() throws {
        let accessor = try Self.accessor("billing_app_secret_id")
        let secretID = try Self.answer("secret-id-billing-app")["data"]
        let observation = try mapper().appRole(
            mount: "approle", name: "billing-app", role: Self.answer("approle-billing-app")["data"],
            secretIDs: [(accessor, secretID)])
        #expect(observation.privileged.isEmpty)
        #expect(observation.attributes["secret_id_ttl"] == "3600")
        #expect(observation.attributes["secret_id_num_uses"] == "5")
        #expect(observation.attributes["secret_id_bound_cidrs"] == "10.0.0.0/8")
        #expect(observation.attributes["token_ttl"] == "1200")
        #expect(observation.attributes["token_max_ttl"] == "3600")
        let credential = try #require(observation.credentials.first)
        let created = try #require(credential.createdAt)
        let expires = try #require(credential.expiresAt)
        #expect(abs(expires.timeIntervalSince(created) - 3600) < 1)
        #expect(credential.details["secret_id_num_uses"] == "5")
        // the accessor itself is never in the observation
        let encoded = String(decoding: try JSONEncoder().encode(observation), as: UTF8.self)
        #expect(!encoded.contains(accessor))
    }

    @Test func aSecretIDProblemIsAnUnknownNotAnEmptyList() throws {
        let observation = try mapper().appRole(
            mount: "approle", name: "x", role: Self.answer("approle-billing-app")["data"], secretIDs: [],
            secretIDProblem: "permission denied on auth/approle/role/x/secret-id")
        #expect(observation.attributes["secret_ids"] == nil)
        #expect(observation.unknowns.contains("secret IDs not read: permission denied on auth/approle/role/x/secret-id"))
    }

    @Test func anOrphanRootTokenIsPrivilegedAndNeverExpires() throws {
        let accessor = try Self.accessor("legacy_root")
        let observation = try #require(try mapper().token(Self.answer("token-legacy-root")["data"]))
        #expect(observation.externalID == "openbao://127.0.0.1:8200/token/\(CredentialFingerprint.of(accessor))")
        #expect(observation.name == "token-legacy-root")
        #expect(observation.privileged == ["root token"])
        #expect(observation.attributes["orphan"] == "true")
        #expect(observation.attributes["non_expiring"] == "true")
        #expect(observation.attributes["discovery_token"] == nil)
        let credential = try #require(observation.credentials.first)
        #expect(credential.kind == "token" && credential.expiryKnown && credential.expiresAt == nil)
        #expect(credential.createdAt == Date(timeIntervalSince1970: 1_796_595_030))
        #expect(!String(decoding: try JSONEncoder().encode(observation), as: UTF8.self).contains(accessor))
    }

    @Test func tokensWithAndWithoutABroadPolicy() throws {
        let admin = try #require(try mapper().token(Self.answer("token-ops-admin")["data"]))
        #expect(admin.privileged == ["policy \"admin-all\": path \"*\" with [create, read, update, delete, list, sudo]"])
        #expect(admin.attributes["orphan"] == "false")
        #expect(admin.credentials.first?.expiresAt != nil)
        let worker = try #require(try mapper().token(Self.answer("token-billing-worker")["data"]))
        #expect(worker.privileged.isEmpty)
        #expect(worker.grants == ["policy: app-read", "policy: default"])
        #expect(worker.attributes["non_expiring"] == nil)
        #expect(worker.attributes["renewable"] == "true")
        #expect(worker.attributes["creation_ttl"] == "3600")
        #expect(worker.attributes["ttl"] == nil)  // counts down: not kept, so re-runs are idempotent
        let created = try #require(worker.createdAt)
        let expires = try #require(worker.credentials.first?.expiresAt)
        #expect(abs(expires.timeIntervalSince(created) - 3600) < 2)
        let auditor = try #require(try mapper().token(Self.answer("token-auditor")["data"]))
        #expect(auditor.privileged.isEmpty)
        #expect(auditor.grants.contains("policy \"sys-audit-reader\": sudo on \"sys/audit\""))
    }

    @Test func theDiscoveryTokenIsMarked() throws {
        let accessor = try Self.accessor("billing_worker")
        let observation = try #require(try mapper(selfAccessor: accessor).token(Self.answer("token-billing-worker")["data"]))
        #expect(observation.attributes["discovery_token"] == "true")
        #expect(try mapper().token(.object(["policies": .array([.string("root")])])) == nil)
    }

    @Test func aKVSecretsMetadataGivesTheAgeOfItsCurrentVersion() throws {
        let metadata = try Self.answer("kv-metadata-app-db")["data"]
        let observation = try mapper().kvSecret(mount: "secret", path: "app/db", metadata: metadata)
        #expect(observation.externalID == "openbao://127.0.0.1:8200/secret/metadata/app/db")
        #expect(observation.kind == "kv-secret")
        #expect(observation.name == "secret/app/db")
        #expect(observation.attributes["current_version"] == "2")
        let credential = try #require(observation.credentials.first)
        #expect(credential.kind == "static-secret" && credential.status == "active")
        #expect(credential.createdAt == metadata["versions"]["2"]["created_time"].date)
        #expect(credential.createdAt != metadata["versions"]["1"]["created_time"].date)
        #expect(observation.createdAt == metadata["versions"]["1"]["created_time"].date)
        #expect(credential.expiryKnown && credential.expiresAt == nil)
    }

    @Test func goDurationsAndNanosecondTimes() {
        #expect(OpenBaoMapper.goDuration("768h0m0s") == TimeInterval(768 * 3600))
        #expect(OpenBaoMapper.goDuration("1h30m") == 5400)
        #expect(OpenBaoMapper.goDuration("0s") == 0)
        #expect(OpenBaoMapper.goDuration("12x") == nil)
        let date = OpenBaoValue.string("2026-12-06T22:06:47.407726653Z").date
        #expect(date.map { abs($0.timeIntervalSince1970 - 1_796_594_807.407) < 0.001 } == true)
        #expect(OpenBaoValue.string("0001-01-01T00:00:00Z").date == nil)
    }

    @Test func addressesAreNormalisedAndCredentialsRefused() throws {
        #expect(try OpenBaoAddress("http://127.0.0.1:8200").scope == "openbao://127.0.0.1:8200")
        #expect(try OpenBaoAddress("https://Vault.Example/").scope == "openbao://vault.example:443")
        #expect(try OpenBaoAddress("http://[::1]:8200").apiBase == "http://[::1]:8200/v1/")
        for bad in ["vault:8200", "ftp://x", "http://user:pw@x:8200", "http://x:8200/v1", "http://x?token=y"] {
            #expect(throws: DiscoveryError.self, "\(bad)") { try OpenBaoAddress(bad) }
        }
        #expect(OpenBaoAddress.encode(path: "secret/metadata/a b/ü") == "secret/metadata/a%20b/%C3%BC")
    }
}
