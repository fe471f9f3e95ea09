import Foundation
import Logging
import TesseraStore

/// Applies other servers' `ClusterEvent`s to this server's caches: identities, the agents' change feed and the
/// departed owners the policy input uses. The database stays the truth; this only decides when to re-read it.
struct ClusterSync: Sendable {
    let bus: any ClusterEventBus
    let inventory: CachingIdentityRepository
    let changes: ChangeFeed
    let departedOwners: DepartedOwners
    let posture: any PostureRepository
    let logger: Logger

    /// Runs until the bus's stream ends or the task is cancelled.
    func run() async {
        for await event in bus.events() {
            await apply(event)
        }
    }

    func apply(_ event: ClusterEvent) async {
        switch event.kind {
        case .identityChanged:
            inventory.invalidate(spiffeID: event.subject)
            // A suspension or retirement changes what agents may serve.
            changes.bumpLocally()
        case .servingChanged:
            changes.bumpLocally()
        case .ownerDeparted:
            await reloadOwners()
        default:
            // `.resync`, or a kind a newer server publishes: drop everything.
            inventory.invalidateAll()
            changes.bumpLocally()
            await reloadOwners()
        }
    }

    private func reloadOwners() async {
        do {
            try await departedOwners.reload(posture)
        } catch {
            logger.warning("departed owners could not be re-read after a cluster event: \(error)")
        }
    }
}
