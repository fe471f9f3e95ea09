import TesseraCore

/// The tools an agent may use in its task, as `GET /v1/authorize/tools` answers them.
public struct ToolCatalogue: Sendable, Equatable, Decodable {
    public let taskID: String
    public let tools: [CatalogueTool]

    public init(taskID: String, tools: [CatalogueTool]) {
        self.taskID = taskID
        self.tools = tools
    }

    /// The catalogue entry named `name`, if the task allows it.
    public func tool(named name: String) -> CatalogueTool? {
        tools.first { $0.name == name }
    }

    enum CodingKeys: String, CodingKey {
        case taskID = "task_id"
        case tools
    }
}
