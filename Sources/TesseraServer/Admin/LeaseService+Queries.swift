import TesseraCore
import TesseraStore

extension LeaseService {
    /// Leases matching `filter`, newest first.
    func list(_ filter: LeaseFilter) async throws -> [Lease] {
        try await repository.leases(matching: filter, now: clock.now())
    }
}
