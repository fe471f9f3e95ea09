import Synchronization
import X509

/// The client chains the mTLS handshake verified, by leaf thumbprint, so every request re-verifies its connection's
/// chain against the roots current *then*: a kept-alive connection outlives a CA rotation or a federated bundle
/// change (attacker finding: a dropped partner CA kept authenticating on an open connection). Bounded: when full,
/// it is emptied, and a request whose chain was forgotten is checked with its leaf alone.
final class VerifiedChains: Sendable {
    private let held = Mutex<[String: [Certificate]]>([:])
    let capacity: Int

    init(capacity: Int = 4096) {
        self.capacity = capacity
    }

    func remember(_ chain: [Certificate], thumbprint: String) {
        held.withLock { chains in
            if chains.count >= capacity, chains[thumbprint] == nil { chains.removeAll(keepingCapacity: true) }
            chains[thumbprint] = chain
        }
    }

    func chain(thumbprint: String) -> [Certificate]? {
        held.withLock { $0[thumbprint] }
    }
}
