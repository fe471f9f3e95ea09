import Synchronization
import TesseraStore

/// The owners marked departed (table `posture_owners`), for the policy input: the Cedar `Owner` entity of an
/// identity whose owner left carries `status: "departed"`, so `prod-needs-owner` refuses production credentials.
/// Loaded at start and updated by `owner depart`; `reload` re-reads the table (e.g. after another instance wrote it).
public final class DepartedOwners: Sendable {
    private let names = Mutex<Set<String>>([])
    private let onInsert: (@Sendable (String) -> Void)?

    /// - Parameter onInsert: told of each departure recorded here (servers sharing a database publish it).
    public init(_ names: Set<String> = [], onInsert: (@Sendable (String) -> Void)? = nil) {
        self.onInsert = onInsert
        self.names.withLock { $0 = names }
    }

    /// Loads the departed owners from `repository`.
    public static func load(
        _ repository: any PostureRepository, onInsert: (@Sendable (String) -> Void)? = nil
    ) async throws -> DepartedOwners {
        let owners = DepartedOwners(onInsert: onInsert)
        try await owners.reload(repository)
        return owners
    }

    /// Whether `owner` has departed.
    public func contains(_ owner: String) -> Bool { names.withLock { $0.contains(owner) } }

    /// A snapshot of every departed owner.
    public var all: Set<String> { names.withLock { $0 } }

    /// Records that `owner` departed.
    func insert(_ owner: String) {
        _ = names.withLock { $0.insert(owner) }
        onInsert?(owner)
    }

    /// Re-reads the departed owners from `repository`.
    public func reload(_ repository: any PostureRepository) async throws {
        let departed = Set(try await repository.owners().filter { $0.status == .departed }.map(\.name))
        names.withLock { $0 = departed }
    }
}
