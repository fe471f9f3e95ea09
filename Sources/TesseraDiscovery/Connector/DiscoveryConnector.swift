import TesseraCore

/// Reads the identities of one source. The one interface every source implements: list everything (following
/// pagination to its end), map each item to an observation (identity + credentials + privileges), and say what
/// the source could not tell.
///
/// A connector throws a ``DiscoveryError`` when it could read nothing (unreachable, wrong credentials); when it
/// read part of the source it returns a snapshot with `complete == false` and the problems met, so discovery
/// records what it saw and marks nothing gone.
public protocol DiscoveryConnector: Sendable {
    var source: DiscoverySource { get }
    /// The scope the snapshot covers, without credentials (see `DiscoverySnapshot.scope`).
    var scope: String { get }
    /// One full read of the source. Never fetches a secret value.
    func discover(clock: any TimeSource) async throws -> DiscoverySnapshot
}
