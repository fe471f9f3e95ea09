import TesseraCore
import TesseraStore

extension TaskService {
    /// Tasks in `state` (every state when nil), at most `limit`.
    func list(state: WorkTask.State?, limit: Int) async throws -> [WorkTask] {
        try await repository.list(state: state, limit: limit)
    }

    /// Every lease issued within `task`.
    func leases(of task: WorkTask) async throws -> [Lease] {
        try await repository.leases(taskID: task.id)
    }
}
