import Foundation
import TesseraAudit
import TesseraCore

/// Who acted for whom in a task: the task's initiator, the identities it names, and the delegation chains its
/// audit records carry (`act_chain` of token exchanges, `chain` of tool calls, `may_act` of delegations).
struct DelegationGraph: Encodable, Equatable {
    struct Node: Encodable, Equatable {
        /// The principal: `human:<email>`, `admin:<token id>`, a SPIFFE ID, or `tool:<name>`.
        let id: String
        /// `human`, `admin`, `tool`, an identity kind (`ai-agent`, `service`, ...) or `unknown`.
        var kind: String
        /// Distance from the initiator (0 = the initiator).
        var depth: Int
        /// Whether the task lists this identity as allowed to act.
        var inTask: Bool

        enum CodingKeys: String, CodingKey {
            case id, kind, depth
            case inTask = "in_task"
        }
    }

    struct Edge: Encodable, Equatable {
        let from: String
        let to: String
        /// `started` (initiator → task member), `may_act` (a delegation), `acts_for` (token exchange), `calls` (tool call).
        let relation: String
        /// How many audit records show this edge.
        var count: Int
        /// Tool calls refused or waiting for approval on this edge.
        var denied: Int
    }

    var nodes: [Node]
    var edges: [Edge]
    /// Audit records read to build the graph (bounded).
    var recordsRead: Int

    enum CodingKeys: String, CodingKey {
        case nodes, edges
        case recordsRead = "records_read"
    }

    /// Builds the graph from the task and its records; `kinds` maps SPIFFE IDs to identity kinds.
    init(task: WorkTask, records: [AuditRecordContent], kinds: [String: String]) {
        var builder = Builder()
        builder.node(task.initiator)
        for record in records.reversed() { builder.add(record) }
        // Task members nobody delegated to were started by the initiator.
        for identity in task.identities where !builder.hasIncoming(identity) {
            builder.link(task.initiator, identity, relation: "started")
        }
        // Any other root (e.g. the person whose token an agent exchanged) hangs off the initiator too.
        for id in builder.order where id != task.initiator && !builder.hasIncoming(id) {
            builder.link(task.initiator, id, relation: "started")
        }
        let depths = builder.depths(from: task.initiator)
        let members = Set(task.identities)
        nodes = builder.order.map { id in
            Node(id: id, kind: Self.kind(of: id, kinds: kinds), depth: depths[id] ?? 1, inTask: members.contains(id))
        }
        edges = builder.edges
        recordsRead = records.count
    }

    static func kind(of id: String, kinds: [String: String]) -> String {
        if id.hasPrefix("human:") { return "human" }
        if id.hasPrefix("admin:") { return "admin" }
        if id.hasPrefix("tool:") { return "tool" }
        return kinds[id] ?? "unknown"
    }

    /// The principals of a task that are inventory identities (SPIFFE IDs), for kind lookups.
    static func spiffeIDs(task: WorkTask, records: [AuditRecordContent]) -> Set<String> {
        var ids = Set(task.identities)
        for record in records {
            for value in [record.subject, record.actor] { if let value, value.hasPrefix("spiffe://") { ids.insert(value) } }
            for key in ["act_chain", "chain"] {
                for value in Builder.strings(record.details[key]) where value.hasPrefix("spiffe://") { ids.insert(value) }
            }
        }
        return ids
    }

    private struct Builder {
        var order: [String] = []
        var seen: Set<String> = []
        var edges: [Edge] = []
        var edgeIndex: [String: Int] = [:]

        mutating func node(_ id: String) {
            if seen.insert(id).inserted { order.append(id) }
        }

        mutating func link(_ from: String, _ to: String, relation: String, denied: Bool = false) {
            guard from != to else { return }
            node(from)
            node(to)
            let key = from + "\u{0}" + to + "\u{0}" + relation
            if let index = edgeIndex[key] {
                edges[index].count += 1
                if denied { edges[index].denied += 1 }
            } else {
                edgeIndex[key] = edges.count
                edges.append(Edge(from: from, to: to, relation: relation, count: 1, denied: denied ? 1 : 0))
            }
        }

        func hasIncoming(_ id: String) -> Bool { edges.contains { $0.to == id } }

        /// A chain recorded outermost actor first becomes a path in time order: subject, innermost actor, ..., outermost.
        mutating func path(_ subject: String, actorsOutermostFirst actors: [String], relation: String) {
            var previous = subject
            for actor in actors.reversed() {
                link(previous, actor, relation: relation)
                previous = actor
            }
        }

        mutating func add(_ record: AuditRecordContent) {
            let details = record.details
            if record.type.hasPrefix("tool.call.") {
                let chain = Self.strings(details["chain"])
                guard let first = chain.first, case .string(let tool)? = details["tool"] else { return }
                path(first, actorsOutermostFirst: Array(chain.dropFirst()), relation: "acts_for")
                let agent = chain.count > 1 ? chain[1] : first
                link(agent, "tool:" + tool, relation: "calls", denied: record.type != AuditEventType.toolCallAllowed)
                return
            }
            guard record.type == AuditEventType.tokenIssued, let subject = record.subject else { return }
            if case .string(let grant)? = details["grant_type"], grant == "urn:tessera:delegation" {
                if case .string(let mayAct)? = details["may_act"] { link(subject, mayAct, relation: "may_act") }
                return
            }
            let chain = Self.strings(details["act_chain"])
            if !chain.isEmpty {
                path(subject, actorsOutermostFirst: chain, relation: "acts_for")
            } else if let actor = record.actor, actor != subject, details["act_chain"] != nil {
                link(subject, actor, relation: "acts_for")
            } else {
                node(subject)
            }
        }

        func depths(from root: String) -> [String: Int] {
            var depths = [root: 0]
            var queue = [root]
            var index = 0
            while index < queue.count {
                let current = queue[index]
                index += 1
                for edge in edges where edge.from == current && depths[edge.to] == nil {
                    depths[edge.to] = depths[current]! + 1
                    queue.append(edge.to)
                }
            }
            return depths
        }

        static func strings(_ value: AuditValue?) -> [String] {
            guard case .strings(let items)? = value else { return [] }
            return items
        }
    }
}
