import GRDB
import PostgresNIO

extension StoreError {
    /// Whether `error` means the storage cannot take the operation right now (disk full, locked by another
    /// writer, I/O error, connection lost, database shutting down) rather than that the request was wrong:
    /// callers answer 503 and the client retries (docs/threat-model.md: a full disk is 503 on every route, never 500).
    public static func isUnavailable(_ error: any Error) -> Bool {
        switch error {
        case let error as StoreError:
            return error.code == .unavailable
        case let error as DatabaseError:
            return [.SQLITE_FULL, .SQLITE_BUSY, .SQLITE_LOCKED, .SQLITE_IOERR, .SQLITE_CANTOPEN, .SQLITE_READONLY, .SQLITE_NOLFS]
                .contains(error.resultCode)
        case let error as PSQLError:
            if [.serverClosedConnection, .clientClosedConnection, .connectionError, .uncleanShutdown, .poolClosed]
                .contains(error.code)
            {
                return true
            }
            // Insufficient resources (disk full, too many connections), operator intervention (shutdown), and
            // connection exceptions.
            guard let state = error.serverInfo?[.sqlState] else { return false }
            return state.hasPrefix("53") || state.hasPrefix("57P") || state.hasPrefix("08")
        default:
            return false
        }
    }
}
