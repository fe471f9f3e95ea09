import Crypto
import Foundation
import TesseraCore
import TesseraCrypto

/// Request material for load tests of the agent API (`scripts/bench/svid`): attests a node with a join token
/// and prints a node proof plus X.509-SVID request bodies, so a load generator can replay them while the proof
/// is valid (120 s).
public enum BenchFixture {
    public struct Material: Sendable {
        /// The `Authorization` header value.
        public let authorization: String
        /// `POST /agent/v1/x509-svids` body with one CSR.
        public let single: Data
        /// The same with `batch` CSRs.
        public let batch: Data
    }

    public static func make(server: URL, joinToken: String, entryID: String, batch: Int) async throws -> Material {
        let client = ServerClient(base: server, clock: SystemTimeSource())
        let key = P256.Signing.PrivateKey(compactRepresentable: false)
        let node = NodeCredential(key: key, chain: try await client.attest(joinToken: joinToken, key: key))
        let proof = try NodeProof.sign(
            key: node.key, chain: node.chain, audience: client.proofAudience, now: Date(), lifetime: NodeProof.maximumLifetime)
        func body(_ count: Int) throws -> Data {
            let items = try (0..<count).map { _ in
                let key = P256.Signing.PrivateKey(compactRepresentable: false)
                return AgentAPI.X509SVIDBatchRequest.Item(
                    entryID: entryID, csr: Data(try CertificateRequest.make(for: key)).base64EncodedString())
            }
            return try AgentAPI.encoder().encode(AgentAPI.X509SVIDBatchRequest(requests: items))
        }
        return Material(authorization: "SVID " + proof, single: try body(1), batch: try body(batch))
    }
}
