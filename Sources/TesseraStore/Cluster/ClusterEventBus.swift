import Foundation
import Synchronization

/// Carries `ClusterEvent`s between the servers sharing one database.
public protocol ClusterEventBus: Sendable {
    /// This server's name in events it publishes.
    var origin: String { get }
    /// Tells the other servers; best effort (a lost event is repaired by the receivers' resync).
    func publish(_ kind: ClusterEvent.Kind, subject: String) async
    /// Events from other servers, in order, until the bus stops.
    func events() -> AsyncStream<ClusterEvent>
}

/// The bus of a server alone on its database (SQLite): nobody to tell, nothing to hear.
public struct SingleNodeEventBus: ClusterEventBus {
    public let origin: String

    public init(origin: String = "local") { self.origin = origin }

    public func publish(_ kind: ClusterEvent.Kind, subject: String) async {}

    public func events() -> AsyncStream<ClusterEvent> { AsyncStream { $0.finish() } }
}

/// Fans events out to every `events()` stream; shared by bus implementations.
final class ClusterEventFanOut: Sendable {
    private let streams = Mutex<[UUID: AsyncStream<ClusterEvent>.Continuation]>([:])

    func stream() -> AsyncStream<ClusterEvent> {
        let (stream, continuation) = AsyncStream<ClusterEvent>.makeStream(bufferingPolicy: .bufferingNewest(10_000))
        let id = UUID()
        streams.withLock { $0[id] = continuation }
        continuation.onTermination = { [weak self] _ in _ = self?.streams.withLock { $0.removeValue(forKey: id) } }
        return stream
    }

    func yield(_ event: ClusterEvent) {
        for continuation in streams.withLock({ Array($0.values) }) { continuation.yield(event) }
    }

    func finish() {
        for continuation in streams.withLock({ Array($0.values) }) { continuation.finish() }
    }
}
