import Foundation
import TesseraCore
import TesseraStore

extension ExceptionService {
    /// Exceptions of `identity` (all when nil), only those active at `activeAt` when given, at most `limit`.
    func list(identity: String?, activeAt: Date?, limit: Int) async throws -> [PolicyException] {
        try await repository.list(identity: identity, activeAt: activeAt, limit: limit)
    }
}
