import TesseraCore
import TesseraStore

extension WorkloadAdminService {
    /// Every attested node.
    func nodes() async throws -> [NodeRecord] {
        try await repository.nodes()
    }

    /// Registration entries, of one node when `nodeID` is given.
    func entries(nodeID: String?) async throws -> [RegistrationEntry] {
        try await repository.entries(nodeID: nodeID)
    }

    /// Every federated trust domain with its last fetch.
    func federations() async throws -> [FederationRecord] {
        try await repository.federations()
    }
}
