import Logging
import PostgresNIO

/// The connection pool and the task driving it: postgres-nio's `PostgresClient` only serves connections while
/// its `run()` runs. Every repository holds this object (through `PostgresDatabase`), so the pool lives as long
/// as anything can still use it, and stops when the last holder goes away or `shutdown()` is called.
final class PostgresPool: Sendable {
    let client: PostgresClient
    private let runner: Task<Void, Never>

    init(_ endpoint: PostgresEndpoint, logger: Logger) {
        // The pool retries failed connections in the background and logs each attempt; callers get a
        // StoreError anyway, so keep the pool's own chatter at warnings unless debugging.
        var background = logger
        background.logLevel = max(logger.logLevel, .warning)
        let client = PostgresClient(configuration: endpoint.clientConfiguration, backgroundLogger: background)
        self.client = client
        runner = Task { await client.run() }
    }

    deinit { runner.cancel() }

    /// Stops the pool and waits for its connections to close.
    func shutdown() async {
        runner.cancel()
        await runner.value
    }
}
