import Foundation
import TesseraCore
import TesseraPolicy

/// Maps an issuance request onto the default schema's entities and context (`policies/default`).
struct CedarRequestBuilder {
    static let namespace = "Tessera"
    let issuance: IssuanceRequest
    /// Whether the identity's owner has departed (the `Owner` entity's `status` is then `departed`).
    let ownerDeparted: Bool

    init(request: IssuanceRequest, ownerDeparted: Bool = false) {
        self.issuance = request
        self.ownerDeparted = ownerDeparted
    }

    var principal: EntityUID { EntityUID(type: "\(Self.namespace)::Workload", id: issuance.identity.spiffeID.description) }
    var resource: EntityUID { EntityUID(type: "\(Self.namespace)::Audience", id: issuance.audience) }
    var action: EntityUID { EntityUID(type: "\(Self.namespace)::Action", id: issuance.action) }

    static func taskUID(_ task: WorkTask) -> EntityUID { EntityUID(type: "\(namespace)::Task", id: task.id) }

    var request: Request {
        var context: [String: Value] = [
            "scopes": .set(Set(issuance.requestedScopes.map(Value.string))),
            "grantType": .string(issuance.grantType),
            "risk": .string(issuance.risk),
            "intent": .string(issuance.intent ?? ""),
            "time": .datetime(millisecondsSince1970: Int64(issuance.time.timeIntervalSince1970 * 1000)),
            "delegationDepth": .long(Int64(issuance.delegationDepth)),
            "signals": .set(Set(issuance.signals.map(Value.string))),
        ]
        if let address = issuance.sourceAddress, let ip = Value.ipaddr(address) { context["sourceIP"] = ip }
        if let task = issuance.task { context["task"] = .entity(Self.taskUID(task)) }
        if let delegation = issuance.delegation { context["delegation"] = Self.value(delegation) }
        return Request(principal: principal, action: action, resource: resource, context: context)
    }

    /// Claim names of external tokens the schema declares (`Tessera::ExternalClaims`).
    static let knownClaims = ["sub", "repository", "repository_owner", "ref", "environment", "job_workflow_ref", "workflow"]

    static func value(_ delegation: Delegation) -> Value {
        var claims: [String: Value] = [:]
        for name in knownClaims { if let value = delegation.claims[name] { claims[name] = .string(value) } }
        return .record([
            "subject": .string(delegation.subject), "subjectKind": .string(delegation.subjectKind),
            "actors": .set(Set(delegation.actors.map(Value.string))), "sourceIssuer": .string(delegation.sourceIssuer),
            "mappingRule": .string(delegation.mappingRule), "claims": .record(claims),
        ])
    }

    /// The per-request entities: the identity, its owner and boundary, and the audience unless declared.
    func entities(known: Entities) -> [Entity] {
        let identity = issuance.identity
        var attributes: [String: Value] = [
            "spiffeId": .string(identity.spiffeID.description), "trustDomain": .string(identity.spiffeID.trustDomain),
            "kind": .string(identity.kind.rawValue), "environment": .string(identity.environment ?? ""),
            "status": .string(identity.status.rawValue),
            "openFindings": .set(Set(issuance.openFindings.map(Value.string))),
        ]
        var result: [Entity] = []
        let owner = identity.owner.trimmingCharacters(in: .whitespaces)
        if !owner.isEmpty {
            let ownerUID = EntityUID(type: "\(Self.namespace)::Owner", id: owner)
            attributes["owner"] = .entity(ownerUID)
            if known[ownerUID] == nil {
                result.append(Entity(uid: ownerUID, attributes: ["status": .string(ownerDeparted ? "departed" : "active")]))
            }
        }
        var parents: Set<EntityUID> = []
        if let boundary = identity.trustBoundary, !boundary.isEmpty {
            parents.insert(EntityUID(type: "\(Self.namespace)::TrustBoundary", id: boundary))
        }
        result.append(Entity(uid: principal, attributes: attributes, parents: parents))
        if known[resource] == nil { result.append(Entity(uid: resource)) }
        if let task = issuance.task {
            result.append(
                Entity(
                    uid: Self.taskUID(task),
                    attributes: ["intent": .string(task.intent), "scopes": .set(Set(task.scopes.map(Value.string)))]))
        }
        return result
    }
}
