extension AuditLog {
    /// Appends `events` with up to `width` in flight at once, so the group commit writes them in a few batches; returns
    /// once every one is durable (or throws the first failure). The order between them is the writer's.
    public func append(all events: [AuditEvent], width: Int = 512) async throws {
        // One event needs no task group (the common batch on the SVID path).
        if events.count == 1 {
            _ = try await append(events[0])
            return
        }
        for start in stride(from: 0, to: events.count, by: width) {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for event in events[start..<min(start + width, events.count)] {
                    group.addTask { _ = try await self.append(event) }
                }
                try await group.waitForAll()
            }
        }
    }
}
