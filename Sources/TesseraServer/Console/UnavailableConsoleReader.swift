import TesseraCore
import TesseraStore

/// The console's reader with PostgreSQL storage: its keyset pages are SQLite queries (`SQLiteConsoleReader`)
/// not ported yet, so every read answers a 501 problem instead of data.
struct UnavailableConsoleReader: ConsoleReader {
    func identities(_ query: ConsoleIdentityQuery) async throws -> [Identity] { throw problem }

    func auditRecords(_ query: ConsoleAuditQuery) async throws -> ConsoleAuditPage { throw problem }

    private var problem: ProblemDetails {
        ProblemDetails(
            .notImplemented, "Not implemented",
            detail: "the console's inventory and audit views are not available with PostgreSQL storage yet")
    }
}
