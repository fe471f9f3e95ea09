import Logging
import ServiceLifecycle
import Synchronization
import Testing

/// What a test started and must stop before it ends: servers, agents, gateways. Test harnesses register their
/// `stop` here when they start; the ``StopsServers`` trait awaits every registered stop (newest first) when the
/// test returns or throws, so no server outlives its test and no shutdown is fire-and-forget.
public final class ServerScope: Sendable {
    /// The scope of the running test (set by the ``StopsServers`` trait).
    @TaskLocal public static var current: ServerScope?

    private let stops = Mutex<[@Sendable () async -> Void]>([])

    public init() {}

    /// Registers `stop` with the running test's scope; throws when the test has no scope (its suite lacks the
    /// `.stopsServers` trait), so a forgotten shutdown fails loudly instead of leaking a server.
    public static func register(_ what: String, stop: @escaping @Sendable () async -> Void) throws {
        guard let scope = current else {
            throw ScopeMissing(description: "\(what) was started outside a test with the .stopsServers trait")
        }
        scope.stops.withLock { $0.append(stop) }
    }

    /// Registers a task serving something (a listener, an agent) to be cancelled, and awaited, when the test ends.
    public static func register<Failure: Error>(_ what: String, cancelling task: Task<Void, Failure>) throws {
        try register(what) {
            task.cancel()
            _ = await task.result
        }
    }

    /// Runs `service` (a listener, an agent) in its own service group until the test ends, then shuts it down
    /// gracefully and waits; returns that stop, for a test that ends it earlier. Cancelling a NIO server's task while an
    /// accepted connection is queued traps in NIO, so servers in tests are never cancelled.
    public static func serve(_ what: String, _ service: any Service) throws -> @Sendable () async -> Void {
        let group = ServiceGroup(
            configuration: .init(
                services: [.init(service: service)], logger: Logger(label: what, factory: { _ in SwiftLogNoOpLogHandler() })))
        let task = Task { try await group.run() }
        let stop: @Sendable () async -> Void = {
            await group.triggerGracefulShutdown()
            _ = await task.result
        }
        try register(what, stop: stop)
        return stop
    }

    /// Awaits every registered stop, newest first.
    func stopAll() async {
        let all = stops.withLock { stops in
            defer { stops.removeAll() }
            return stops
        }
        for stop in all.reversed() {
            await withHangReport("stopping what a test started") { await stop() }
        }
    }

    struct ScopeMissing: Error, CustomStringConvertible {
        let description: String
    }
}

/// Gives each test a ``ServerScope`` and awaits the shutdown of everything started in it when the test ends.
/// Apply to a suite: `@Suite(.stopsServers)`.
public struct StopsServers: SuiteTrait, TestTrait, TestScoping {
    public var isRecursive: Bool { true }

    public func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        guard !test.isSuite else { return try await function() }
        let scope = ServerScope()
        do {
            try await ServerScope.$current.withValue(scope) { try await function() }
        } catch {
            await scope.stopAll()
            throw error
        }
        await scope.stopAll()
    }
}

extension Trait where Self == StopsServers {
    /// Every server, agent or gateway a test starts is stopped, and its shutdown awaited, when the test ends.
    public static var stopsServers: Self { Self() }
}
