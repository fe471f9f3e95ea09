import Foundation
import GRPCCore
import Logging
import SwiftProtobuf
import TesseraCore
import TesseraCrypto

/// The SPIFFE Workload API: attests each caller from its kernel peer credentials, matches it against the
/// node's registration entries, and serves only what the matching entries grant. Streams carry the full
/// state in every message and are pushed again whenever SVIDs rotate or bundles change.
struct WorkloadAPIService: WorkloadAPI_SpiffeWorkloadAPI.ServiceProtocol {
    let cache: SVIDCache
    /// Every open connection's peer as recorded at accept.
    let peers: PeerRegistry
    let attestor: WorkloadAttestor
    let jwtSource: @Sendable (RegistrationEntry, [String]) async throws -> String
    let clock: any TimeSource
    let logger: Logger

    // MARK: X.509

    func fetchX509SVID(
        request: ServerRequest<WorkloadAPI_X509SVIDRequest>, context: ServerContext
    ) async throws -> StreamingServerResponse<WorkloadAPI_X509SVIDResponse> {
        let process = try await caller(request.metadata, "FetchX509SVID")
        return StreamingServerResponse { writer in
            try await stream(process) { snapshot, entries -> WorkloadAPI_X509SVIDResponse? in
                let served = entries.compactMap { entry in snapshot.svids[entry.id].map { (entry, $0) } }
                guard !served.isEmpty else { return nil }
                let local = snapshot.bundles[snapshot.trustDomain]?.concatenatedX509DER ?? Data()
                var response = WorkloadAPI_X509SVIDResponse()
                response.svids = served.map { _, item in
                    var svid = WorkloadAPI_X509SVID()
                    svid.spiffeID = item.spiffeID
                    svid.x509Svid = item.chainDER
                    svid.x509SvidKey = item.keyDER
                    svid.bundle = local
                    return svid
                }
                for (domain, bundle) in snapshot.bundles where domain != snapshot.trustDomain {
                    response.federatedBundles[bundle.trustDomainID] = bundle.concatenatedX509DER
                }
                return response
            } write: {
                try await writer.write($0)
            }
            return [:]
        }
    }

    func fetchX509Bundles(
        request: ServerRequest<WorkloadAPI_X509BundlesRequest>, context: ServerContext
    ) async throws -> StreamingServerResponse<WorkloadAPI_X509BundlesResponse> {
        let process = try await caller(request.metadata, "FetchX509Bundles")
        return StreamingServerResponse { writer in
            try await stream(process) { snapshot, _ -> WorkloadAPI_X509BundlesResponse? in
                guard !snapshot.bundles.isEmpty else { return nil }
                var response = WorkloadAPI_X509BundlesResponse()
                for bundle in snapshot.bundles.values { response.bundles[bundle.trustDomainID] = bundle.concatenatedX509DER }
                return response
            } write: {
                try await writer.write($0)
            }
            return [:]
        }
    }

    // MARK: JWT

    func fetchJWTSVID(
        request: ServerRequest<WorkloadAPI_JWTSVIDRequest>, context: ServerContext
    ) async throws -> ServerResponse<WorkloadAPI_JWTSVIDResponse> {
        let process = try await caller(request.metadata, "FetchJWTSVID").process
        let audience = request.message.audience.filter { !$0.isEmpty }
        guard !audience.isEmpty else { throw RPCError(code: .invalidArgument, message: "audience must be specified") }
        var entries = try await matching(process)
        if !request.message.spiffeID.isEmpty {
            entries = entries.filter { $0.spiffeID.description == request.message.spiffeID }
            guard !entries.isEmpty else {
                throw RPCError(code: .permissionDenied, message: "no identity issued for \(request.message.spiffeID.prefix(256))")
            }
        }
        var response = WorkloadAPI_JWTSVIDResponse()
        for entry in entries {
            let token: String
            do {
                token = try await jwtSource(entry, audience)
            } catch let error as AgentError where error.code == .serverDenied {
                // A decision (audience not allowed, policy): permanent, so the workload must not retry it as an outage.
                throw RPCError(code: .permissionDenied, message: "JWT-SVID refused: \(error.reason)")
            } catch {
                throw RPCError(code: .unavailable, message: "could not obtain a JWT-SVID: \(error)")
            }
            var svid = WorkloadAPI_JWTSVID()
            svid.spiffeID = entry.spiffeID.description
            svid.svid = token
            response.svids.append(svid)
        }
        return ServerResponse(message: response)
    }

    func fetchJWTBundles(
        request: ServerRequest<WorkloadAPI_JWTBundlesRequest>, context: ServerContext
    ) async throws -> StreamingServerResponse<WorkloadAPI_JWTBundlesResponse> {
        let process = try await caller(request.metadata, "FetchJWTBundles")
        return StreamingServerResponse { writer in
            try await stream(process) { snapshot, _ -> WorkloadAPI_JWTBundlesResponse? in
                guard !snapshot.bundles.isEmpty else { return nil }
                var response = WorkloadAPI_JWTBundlesResponse()
                for bundle in snapshot.bundles.values { response.bundles[bundle.trustDomainID] = bundle.jwtJWKSetJSON() }
                return response
            } write: {
                try await writer.write($0)
            }
            return [:]
        }
    }

    func validateJWTSVID(
        request: ServerRequest<WorkloadAPI_ValidateJWTSVIDRequest>, context: ServerContext
    ) async throws -> ServerResponse<WorkloadAPI_ValidateJWTSVIDResponse> {
        let process = try await caller(request.metadata, "ValidateJWTSVID").process
        _ = try await matching(process)
        guard !request.message.audience.isEmpty else {
            throw RPCError(code: .invalidArgument, message: "audience must be specified")
        }
        guard !request.message.svid.isEmpty else { throw RPCError(code: .invalidArgument, message: "svid must be specified") }
        let bundles = await cache.current().bundles
        let validated: JWTSVID.Validated
        do {
            validated = try JWTSVID.validate(
                request.message.svid, audience: request.message.audience, bundles: bundles, now: clock.now())
        } catch {
            throw RPCError(code: .invalidArgument, message: "invalid JWT-SVID: \(error.reason)")
        }
        var response = WorkloadAPI_ValidateJWTSVIDResponse()
        response.spiffeID = validated.spiffeID.description
        response.claims = (try? Google_Protobuf_Struct(jsonUTF8Bytes: validated.claimsJSON)) ?? Google_Protobuf_Struct()
        return ServerResponse(message: response)
    }

    // MARK: Attestation

    /// A caller attested at the start of an RPC: its connection's peer record and what it is now.
    struct Caller: Sendable {
        let peer: AcceptedPeer
        let process: WorkloadProcess
        let method: String
    }

    /// Checks the security header and attests the caller against its connection's accept-time record; every
    /// refusal is `InvalidArgument` (no header) or `PermissionDenied` (unknown caller, or a process that
    /// exited or exec'd since its connection was accepted), logged, and nothing else is revealed.
    private func caller(_ metadata: Metadata, _ method: String) async throws -> Caller {
        guard metadata[stringValues: "workload.spiffe.io"].contains(where: { $0 == "true" }) else {
            throw RPCError(code: .invalidArgument, message: "security header missing from request")
        }
        let stamped = Array(metadata[stringValues: PeerCredentialsHandler.header])
        guard stamped.count == 1, let id = PeerCredentialsHandler.parse(stamped[0]), let peer = peers.peer(id) else {
            logger.warning("workload attestation refused", metadata: ["method": "\(method)", "reason": "unknown connection"])
            throw RPCError(code: .permissionDenied, message: "caller could not be attested")
        }
        let process = try await attest(peer, method)
        logger.debug("workload attested", metadata: ["method": "\(method)", "pid": "\(process.pid)", "uid": "\(process.uid)"])
        return Caller(peer: peer, process: process, method: method)
    }

    private func attest(_ peer: AcceptedPeer, _ method: String) async throws -> WorkloadProcess {
        do {
            return try await attestor.attest(peer)
        } catch {
            logger.warning(
                "workload attestation refused",
                metadata: [
                    "method": "\(method)", "pid": "\(peer.credentials.pid)", "uid": "\(peer.credentials.uid)",
                    "reason": "\(error.reason)",
                ])
            throw RPCError(code: .permissionDenied, message: "caller could not be attested")
        }
    }

    /// The entries `process` matches now; `PermissionDenied` when none.
    private func matching(_ process: WorkloadProcess) async throws -> [RegistrationEntry] {
        let entries = await cache.current().entries.filter { $0.matches(process) }
        guard !entries.isEmpty else { throw RPCError(code: .permissionDenied, message: "no identity issued") }
        return entries
    }

    /// Writes a message built from every new snapshot until the client goes away. Before each message the
    /// caller is attested again (still alive, same executable as at accept). Ends with `PermissionDenied`
    /// when that fails or the caller stops matching any entry (e.g. its entry was deleted).
    private func stream<Message>(
        _ caller: Caller, build: @Sendable (SVIDCache.Snapshot, [RegistrationEntry]) -> Message?,
        write: (Message) async throws -> Void
    ) async throws {
        _ = try await matching(caller.process)
        let (id, updates) = await cache.subscribe()
        defer { Task { await cache.unsubscribe(id) } }
        for await snapshot in updates {
            let process = try await attest(caller.peer, caller.method)
            let entries = snapshot.entries.filter { $0.matches(process) }
            if entries.isEmpty && snapshot.ready {
                throw RPCError(code: .permissionDenied, message: "no identity issued")
            }
            if let message = build(snapshot, entries) { try await write(message) }
        }
    }
}
