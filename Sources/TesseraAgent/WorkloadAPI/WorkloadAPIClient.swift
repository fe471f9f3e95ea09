import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import TesseraCrypto
import X509

/// A small SPIFFE Workload API client (what `tessera svid fetch` and the tests use): connects to the agent's
/// Unix socket and sends the `workload.spiffe.io: true` header on every call.
public struct WorkloadAPIClient: Sendable {
    /// An X.509-SVID as received.
    public struct X509SVID: Sendable {
        public let spiffeID: String
        public let certificates: [Certificate]
        /// PKCS#8 DER of the private key.
        public let privateKeyDER: Data
        /// The trust domain's X.509 authorities.
        public let bundle: [Certificate]
        /// Federated trust domains' authorities, keyed by trust domain SPIFFE ID.
        public let federatedBundles: [String: [Certificate]]
    }

    public let socketPath: String
    /// Set to false to send calls without the security header (tests of the refusal).
    public var sendSecurityHeader = true

    public init(socketPath: String) {
        self.socketPath = socketPath
    }

    private var metadata: Metadata { sendSecurityHeader ? ["workload.spiffe.io": "true"] : [:] }

    private func withAPI<R: Sendable>(
        _ body: @Sendable (WorkloadAPI_SpiffeWorkloadAPI.Client<HTTP2ClientTransport.Posix>) async throws -> R
    ) async throws -> R {
        try await withGRPCClient(
            transport: .http2NIOPosix(target: .unixDomainSocket(path: socketPath), transportSecurity: .plaintext)
        ) { client in
            try await body(WorkloadAPI_SpiffeWorkloadAPI.Client(wrapping: client))
        }
    }

    /// The first message of the FetchX509SVID stream.
    public func fetchX509SVIDs() async throws -> [X509SVID] {
        let metadata = self.metadata
        return try await withAPI { api in
            try await api.fetchX509SVID(WorkloadAPI_X509SVIDRequest(), metadata: metadata) { response in
                for try await message in response.messages { return try Self.decode(message) }
                throw RPCError(code: .unavailable, message: "stream ended without an SVID")
            }
        }
    }

    /// Collects `count` messages of the FetchX509SVID stream (to observe rotation), with their SPIFFE IDs and leaf serials.
    public func watchX509SVIDs(count: Int) async throws -> [[X509SVID]] {
        let metadata = self.metadata
        return try await withAPI { api in
            try await api.fetchX509SVID(WorkloadAPI_X509SVIDRequest(), metadata: metadata) { response in
                var collected: [[X509SVID]] = []
                for try await message in response.messages {
                    collected.append(try Self.decode(message))
                    if collected.count == count { break }
                }
                return collected
            }
        }
    }

    /// JWT-SVIDs for `audience` (optionally only `spiffeID`), as (SPIFFE ID, token) pairs.
    public func fetchJWTSVIDs(audience: [String], spiffeID: String? = nil) async throws -> [(String, String)] {
        var request = WorkloadAPI_JWTSVIDRequest()
        request.audience = audience
        request.spiffeID = spiffeID ?? ""
        let metadata = self.metadata
        let message = request
        let response = try await withAPI { api in try await api.fetchJWTSVID(message, metadata: metadata) }
        return response.svids.map { ($0.spiffeID, $0.svid) }
    }

    /// Validates a JWT-SVID through the agent; returns the SPIFFE ID.
    public func validateJWTSVID(_ token: String, audience: String) async throws -> String {
        var request = WorkloadAPI_ValidateJWTSVIDRequest()
        request.svid = token
        request.audience = audience
        let metadata = self.metadata
        let message = request
        return try await withAPI { api in try await api.validateJWTSVID(message, metadata: metadata) }.spiffeID
    }

    /// The first message of the FetchJWTBundles stream: JWK Set JSON keyed by trust domain SPIFFE ID.
    public func fetchJWTBundles() async throws -> [String: Data] {
        let metadata = self.metadata
        return try await withAPI { api in
            try await api.fetchJWTBundles(WorkloadAPI_JWTBundlesRequest(), metadata: metadata) { response in
                for try await message in response.messages { return message.bundles }
                return [:]
            }
        }
    }

    /// The first message of the FetchX509Bundles stream, keyed by trust domain SPIFFE ID.
    public func fetchX509Bundles() async throws -> [String: [Certificate]] {
        let metadata = self.metadata
        return try await withAPI { api in
            try await api.fetchX509Bundles(WorkloadAPI_X509BundlesRequest(), metadata: metadata) { response in
                for try await message in response.messages { return try message.bundles.mapValues(Self.certificates) }
                return [:]
            }
        }
    }

    static func decode(_ message: WorkloadAPI_X509SVIDResponse) throws -> [X509SVID] {
        let federated = try message.federatedBundles.mapValues(certificates)
        return try message.svids.map { svid in
            X509SVID(
                spiffeID: svid.spiffeID, certificates: try certificates(svid.x509Svid), privateKeyDER: svid.x509SvidKey,
                bundle: try certificates(svid.bundle), federatedBundles: federated)
        }
    }

    /// Splits concatenated DER certificates.
    static func certificates(_ data: Data) throws -> [Certificate] {
        var result: [Certificate] = []
        var bytes = ArraySlice(Array(data))
        while !bytes.isEmpty {
            guard bytes.count >= 4, bytes.first == 0x30 else { throw RPCError(code: .dataLoss, message: "malformed DER") }
            let lengthByte = bytes[bytes.startIndex + 1]
            var length = 0
            var header = 2
            if lengthByte < 0x80 {
                length = Int(lengthByte)
            } else {
                let count = Int(lengthByte & 0x7F)
                guard count <= 3, bytes.count >= 2 + count else { throw RPCError(code: .dataLoss, message: "malformed DER") }
                for index in 0..<count { length = length << 8 | Int(bytes[bytes.startIndex + 2 + index]) }
                header += count
            }
            guard bytes.count >= header + length else { throw RPCError(code: .dataLoss, message: "truncated DER") }
            result.append(try Certificate(derEncoded: Array(bytes.prefix(header + length))))
            bytes = bytes.dropFirst(header + length)
        }
        return result
    }
}
