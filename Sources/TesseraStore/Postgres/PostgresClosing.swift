import ServiceLifecycle

/// Closes a `PostgresStorage` when the service group it belongs to shuts down or is cancelled.
struct PostgresClosing: Service {
    let storage: PostgresStorage

    func run() async throws {
        try? await gracefulShutdown()
        await storage.close()
    }
}
