import Foundation
import Logging
import PostgresNIO
import Synchronization

/// `ClusterEvent`s over PostgreSQL `LISTEN`/`NOTIFY` on channel `tessera_cluster`: every server sharing the
/// database hears the others' changes within a round trip, and drops what it cached.
///
/// One connection listens, another publishes. A listener that loses its connection reconnects (backoff up to
/// `maximumBackoff`) and, once listening again, yields `.resync`: notifications sent while it was away are lost,
/// so receivers re-read everything instead of trusting a cache.
public final class PostgresEventBus: ClusterEventBus {
    /// The default NOTIFY channel.
    public static let defaultChannel = "tessera_cluster"
    static let maximumBackoff: Duration = .seconds(2)

    public let origin: String
    /// The NOTIFY channel (servers of one deployment share it).
    public let channel: String
    private let configuration: PostgresConnection.Configuration
    private let logger: Logger
    private let fanOut = ClusterEventFanOut()
    private let publisher: Publisher
    private let listener = Mutex<Task<Void, Never>?>(nil)
    private let listening = Mutex<PostgresConnection?>(nil)

    /// The bus of the servers sharing `endpoint` (same TLS settings as the storage); the channel is per schema,
    /// so deployments in different schemas of one database do not hear each other.
    public convenience init(origin: String, endpoint: PostgresEndpoint, logger: Logger) throws(StoreError) {
        self.init(
            origin: origin, configuration: try endpoint.connectionConfiguration(),
            channel: endpoint.schema.map { "\(Self.defaultChannel)_\($0)" } ?? Self.defaultChannel, logger: logger)
    }

    /// - Parameters:
    ///   - origin: this server's name (unique among the servers sharing the database).
    ///   - channel: the NOTIFY channel; lower-case letters, digits and `_`, at most 63 bytes.
    public convenience init(
        origin: String, host: String, port: Int, username: String, password: String?, database: String,
        channel: String = PostgresEventBus.defaultChannel, logger: Logger
    ) {
        self.init(
            origin: origin,
            configuration: PostgresConnection.Configuration(
                host: host, port: port, username: username, password: password, database: database, tls: .disable),
            channel: channel, logger: logger)
    }

    init(origin: String, configuration: PostgresConnection.Configuration, channel: String, logger: Logger) {
        self.origin = origin
        self.channel = channel
        self.configuration = configuration
        self.logger = logger
        publisher = Publisher(configuration: configuration, channel: channel, logger: logger)
    }

    /// Starts listening; returns once the first `LISTEN` is in place (or throws when PostgreSQL cannot be reached).
    public func start() async throws {
        guard !channel.isEmpty, channel.utf8.count <= 63,
            channel.utf8.allSatisfy({ ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 95 })
        else { throw StoreError(.unavailable, "cluster event channel must be lower-case letters, digits and _ (63 at most)") }
        let first = try await connect()
        let (ready, readyContinuation) = AsyncStream<Void>.makeStream()
        let task = Task { [self] in
            var connection: PostgresConnection? = first
            var reconnected = false
            var everListened = false
            var backoff: Duration = .milliseconds(50)
            while !Task.isCancelled {
                if connection == nil {
                    connection = try? await connect()
                    if connection == nil {
                        try? await Task.sleep(for: backoff)
                        backoff = min(backoff * 2, Self.maximumBackoff)
                        continue
                    }
                }
                guard let current = connection, !current.isClosed else {
                    // Closed between connect and LISTEN (PostgreSQL going away again): a LISTEN written now would
                    // never be answered (postgres-nio drops writes to a closed channel).
                    connection = nil
                    try? await Task.sleep(for: backoff)
                    continue
                }
                listening.withLock { $0 = current }
                do {
                    try await current.listen(on: channel) { notifications in
                        everListened = true
                        readyContinuation.yield()
                        if reconnected {
                            fanOut.yield(ClusterEvent(kind: .resync, subject: "", origin: ""))
                        }
                        backoff = .milliseconds(50)
                        for try await notification in notifications {
                            guard let event = ClusterEvent(payload: notification.payload), event.origin != origin else {
                                continue
                            }
                            fanOut.yield(event)
                        }
                    }
                } catch {
                    if !Task.isCancelled {
                        logger.warning("cluster event listener lost its connection; reconnecting")
                    }
                }
                try? await current.close()
                connection = nil
                // The first LISTEN failed: `start()` reports it instead of waiting for a retry that may never work.
                guard everListened else { break }
                reconnected = true
            }
            readyContinuation.finish()
        }
        listener.withLock { $0 = task }
        for await _ in ready { return }
        throw StoreError(.unavailable, "PostgreSQL at \(configuration.host ?? "?") refused to LISTEN for cluster events")
    }

    public func publish(_ kind: ClusterEvent.Kind, subject: String) async {
        let event =
            subject.utf8.count > ClusterEvent.maximumSubjectLength || subject.contains("\u{1F}")
            ? ClusterEvent(kind: .resync, subject: "", origin: origin)
            : ClusterEvent(kind: kind, subject: subject, origin: origin)
        await publisher.notify(event.payload)
    }

    public func events() -> AsyncStream<ClusterEvent> { fanOut.stream() }

    /// Stops listening and closes both connections; `events()` streams finish.
    public func stop() async {
        listener.withLock { $0 }?.cancel()
        try? await listening.withLock { $0 }?.close()
        await publisher.close()
        fanOut.finish()
    }

    /// The backend pid of the listening connection, for tests that cut it.
    public func listenerBackendPID() async throws -> Int32? {
        guard let connection = listening.withLock({ $0 }) else { return nil }
        let rows = try await connection.query("SELECT pg_backend_pid()", logger: logger)
        for try await pid in rows.decode(Int32.self) { return pid }
        return nil
    }

    private func connect() async throws -> PostgresConnection {
        do {
            return try await PostgresConnection.connect(configuration: configuration, id: 1, logger: logger)
        } catch {
            throw StoreError(.unavailable, "cannot connect to PostgreSQL at \(configuration.host ?? "?") for cluster events")
        }
    }

    /// The publishing connection, reopened after a failure.
    actor Publisher {
        let configuration: PostgresConnection.Configuration
        let channel: String
        let logger: Logger
        var connection: PostgresConnection?
        /// Set by `close()`: no connection is opened after it. A publish racing the bus's close (a connect in flight
        /// when `close()` ran) closes what it opened, so no connection outlives the bus (postgres-nio traps in debug
        /// builds when a connection is released open, and leaks it in release builds).
        var closed = false

        /// How long one attempt (connect, or the `NOTIFY`) may take.
        static let limit: Duration = .seconds(3)

        init(configuration: PostgresConnection.Configuration, channel: String, logger: Logger) {
            self.configuration = configuration
            self.channel = channel
            self.logger = logger
        }

        /// Each attempt is bounded (`PostgresDeadline.bounded`): a `NOTIFY` written to a connection that just closed
        /// is never answered by postgres-nio, and the caller (an admin request) must not wait for it forever.
        func notify(_ payload: String) async {
            let query: PostgresQuery = "SELECT pg_notify(\(channel), \(payload))"
            let logger = self.logger
            for _ in 0..<2 {
                do {
                    let connection = try await PostgresDeadline.bounded(
                        Publisher.limit, onTimeout: {}, { try await self.open() })
                    try await PostgresDeadline.bounded(
                        Publisher.limit, onTimeout: { try? await connection.close() },
                        { _ = try await connection.query(query, logger: logger) })
                    return
                } catch {
                    try? await connection?.close()
                    connection = nil
                }
            }
            logger.warning("a cluster event could not be published; other servers resync when their listener reconnects")
        }

        func close() async {
            closed = true
            try? await connection?.close()
            connection = nil
        }

        private func open() async throws -> PostgresConnection {
            if closed { throw StoreError(.unavailable, "the cluster event bus is closed") }
            if let connection, !connection.isClosed { return connection }
            let made = try await PostgresConnection.connect(configuration: configuration, id: 2, logger: logger)
            // The actor was free while connecting: the bus may have closed, or another publish may have opened one.
            if closed {
                try? await made.close()
                throw StoreError(.unavailable, "the cluster event bus is closed")
            }
            if let existing = connection, !existing.isClosed {
                try? await made.close()
                return existing
            }
            connection = made
            return made
        }
    }
}
