import Foundation
import Logging
import ServiceLifecycle
import TesseraStore

/// Applies other servers' `ClusterEvent`s to this server's caches: identities, the agents' change feed, the
/// departed owners the policy input uses and the trust domain's signing material. The database stays the truth;
/// this only decides when to re-read it.
struct ClusterSync: Service {
    let bus: any ClusterEventBus
    let inventory: CachingIdentityRepository
    let changes: ChangeFeed
    let departedOwners: DepartedOwners
    let posture: any PostureRepository
    let logger: Logger
    /// With other servers on the storage: how often to re-read what they may have rotated, should an event be lost.
    var periodicReload: Duration? = nil
    /// Re-reads the trust domain's CA and keys from storage (`keysChanged`); nothing when not given.
    var reloadKeys: (@Sendable () async throws -> Void)? = nil

    /// Applies events (and re-reads periodically, when `periodicReload` is set) until the bus's stream ends, the
    /// service group shuts down or the task is cancelled.
    func run() async throws {
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                if let interval = periodicReload {
                    group.addTask { await runPeriodicReload(every: interval) }
                }
                for await event in bus.events() {
                    await apply(event)
                }
                group.cancelAll()
            }
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
        case .keysChanged:
            await reloadSigningMaterial()
        default:
            // `.resync`, or a kind a newer server publishes: drop everything.
            inventory.invalidateAll()
            changes.bumpLocally()
            await reloadOwners()
            await reloadSigningMaterial()
        }
    }

    /// The backstop for lost events: re-reads the signing material and the departed owners every `interval`
    /// until cancelled, so another server's rotation is seen within `interval` even without its event.
    func runPeriodicReload(every interval: Duration) async {
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: interval)
            } catch {
                return
            }
            await reloadSigningMaterial()
            await reloadOwners()
        }
    }

    private func reloadSigningMaterial() async {
        guard let reloadKeys else { return }
        do {
            try await reloadKeys()
        } catch {
            logger.warning("the trust domain's keys could not be re-read from storage: \(error)")
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
