/// Wall time of an evaluation's named steps, in seconds, for benchmarks (`PostureEngine.Evaluation.phases`).
struct PhaseTimer {
    private(set) var phases: [(name: String, seconds: Double)] = []
    private var mark = ContinuousClock.now

    /// Ends the step running since the last one ended (or since the timer started, or `restart`).
    mutating func end(_ name: String) {
        let next = ContinuousClock.now
        let elapsed = next - mark
        phases.append((name, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18))
        mark = next
    }

    /// Appends steps timed elsewhere, and starts the next step now.
    mutating func append(_ steps: [(name: String, seconds: Double)]) {
        phases += steps
        mark = ContinuousClock.now
    }
}
