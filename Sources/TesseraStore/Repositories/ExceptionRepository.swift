import Foundation
import TesseraCore

/// Persistence for time-bound policy exceptions.
public protocol ExceptionRepository: Sendable {
    func create(_ exception: PolicyException) async throws
    func get(id: String) async throws -> PolicyException?
    /// Exceptions, newest first, optionally for one identity; `activeAt` keeps only those active then.
    func list(identity: String?, activeAt: Date?, limit: Int) async throws -> [PolicyException]
    /// Marks an active exception revoked; throws `conflict` when it is not active.
    func revoke(id: String, reason: String, at now: Date) async throws -> PolicyException
    /// Counts one use.
    func recordUse(id: String, at now: Date) async throws
    /// Exceptions that expired by `now` and whose expiry is not recorded yet; marks them recorded.
    func takeNewlyExpired(now: Date) async throws -> [PolicyException]
}
