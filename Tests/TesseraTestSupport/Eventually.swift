/// Polls `condition` every `every` until it holds, for at most `within` (counted in polls, so a starved test process
/// gets its polls rather than a wall-clock budget spent before they ran); `true` if it held. For waiting on background
/// work without a timing assert (docs/testing.md).
public func eventually(
    within: Duration = .seconds(10), every: Duration = .milliseconds(50), _ condition: () async throws -> Bool
) async throws -> Bool {
    for _ in 0..<max(1, Int(within / every)) {
        if try await condition() { return true }
        try await Task.sleep(for: every)
    }
    return false
}
