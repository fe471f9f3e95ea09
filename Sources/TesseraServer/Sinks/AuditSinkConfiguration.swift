/// The audit sinks of a server (`--sink URL`, repeatable; docs/sinks.md) and the outbox's bounds.
public struct AuditSinkConfiguration: Sendable, Equatable {
    /// Sink URLs (see `AuditSinkSpec`).
    public var urls: [String] = []
    /// Records a sink may fall behind the head before it is reported lagging (`sink.lagging` record, metric, log).
    public var maximumLag: Int = 1_000_000
    /// Most records sent in one delivery.
    public var batchSize: Int = 1000

    public init() {}

    /// The parsed sinks; the first bad one stops the server at start, naming `--sink`.
    func specs() throws(ServerError) -> [AuditSinkSpec] {
        guard maximumLag >= 1 else { throw ServerError(.configuration, "--sink-max-lag must be at least 1") }
        guard (1...10_000).contains(batchSize) else { throw ServerError(.configuration, "the sink batch must be 1...10000") }
        var specs: [AuditSinkSpec] = []
        for url in urls {
            let spec = try AuditSinkSpec(parsing: url)
            guard !specs.contains(where: { $0.name == spec.name }) else {
                throw ServerError(.configuration, "--sink \(spec.name) is given twice (set name= to tell them apart)")
            }
            specs.append(spec)
        }
        return specs
    }
}
