import Crypto
import Foundation
import TesseraCore
import TesseraCrypto

/// Request material for load tests of the agent API (`scripts/bench/svid`): attests a node with a join token
/// and writes X.509-SVID request bodies plus one node proof per request: proofs are single-use (their `jti` is
/// claimed by the server) and bound to the body's hash, so a load generator sends each proof once, within its
/// 120 s lifetime.
public enum BenchFixture {
    public struct Material: Sendable {
        /// `Authorization` header values for `single`, one per request.
        public let singleAuthorizations: [String]
        /// `Authorization` header values for `batch`, one per request.
        public let batchAuthorizations: [String]
        /// `POST /agent/v1/x509-svids` body with one CSR.
        public let single: Data
        /// The same with `batch` CSRs.
        public let batch: Data
    }

    public static func make(
        server: URL, joinToken: String, entryID: String, batch: Int, singleProofs: Int, batchProofs: Int
    ) async throws -> Material {
        let client = ServerClient(base: server, clock: SystemTimeSource())
        let key = P256.Signing.PrivateKey(compactRepresentable: false)
        let node = NodeCredential(key: key, chain: try await client.attest(joinToken: joinToken, key: key))
        func body(_ count: Int) throws -> Data {
            let items = try (0..<count).map { _ in
                let key = P256.Signing.PrivateKey(compactRepresentable: false)
                return AgentAPI.X509SVIDBatchRequest.Item(
                    entryID: entryID, csr: Data(try CertificateRequest.make(for: key)).base64EncodedString())
            }
            return try AgentAPI.encoder().encode(AgentAPI.X509SVIDBatchRequest(requests: items))
        }
        func proofs(_ count: Int, for body: Data) throws -> [String] {
            let now = Date()
            return try (0..<count).map { _ in
                "SVID "
                    + (try NodeProof.sign(
                        key: node.key, chain: node.chain, audience: client.proofAudience,
                        binding: NodeProof.Binding(method: "POST", path: "/agent/v1/x509-svids", body: body), now: now,
                        lifetime: NodeProof.maximumLifetime))
            }
        }
        let single = try body(1)
        let batched = try body(batch)
        return Material(
            singleAuthorizations: try proofs(singleProofs, for: single),
            batchAuthorizations: try proofs(batchProofs, for: batched),
            single: single, batch: batched)
    }
}
