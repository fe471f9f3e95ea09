import TesseraCore
import TesseraStore

extension IdentityService {
    /// One page of the inventory.
    func list(_ filter: IdentityFilter) async throws -> [Identity] {
        try await repository.list(filter)
    }

    /// The identity with this SPIFFE ID, if registered.
    func find(spiffeID: String) async throws -> Identity? {
        try await repository.get(spiffeID: spiffeID)
    }
}
