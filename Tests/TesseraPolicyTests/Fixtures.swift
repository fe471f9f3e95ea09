import Foundation

@testable import TesseraPolicy

/// Test data lives in `.fixtures/` next to this file (hidden so SwiftPM does not treat it as sources).
enum Fixtures {
    static var directory: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(".fixtures").path
    }

    static func text(_ relative: String) throws -> String {
        let path = directory + "/" + relative
        guard let data = FileManager.default.contents(atPath: path) else { throw CedarError(.io, "missing fixture \(path)") }
        return String(decoding: data, as: UTF8.self)
    }

    static func photoSchema() throws -> Schema { try Schema.parse(try text("photoapp/schema.cedarschema")) }

    static func photoEntities() throws -> Entities {
        try Entities.fromJSON(try text("photoapp/entities.json"), schema: try photoSchema())
    }

    static func photoPolicies() throws -> PolicySet { try PolicySet.parse(try text("photoapp/policies.cedar")) }
}

/// Shorthand for `Type::"id"`.
func uid(_ type: String, _ id: String) -> EntityUID { EntityUID(type: type, id: id) }

/// Authorizes against inline policy text and a small entity list.
func decide(
    _ policies: String, principal: EntityUID = uid("User", "alice"), action: EntityUID = uid("Action", "view"),
    resource: EntityUID = uid("Photo", "p"), context: [String: Value] = [:], entities: [Entity] = []
) throws -> Response {
    Authorizer.isAuthorized(
        Request(principal: principal, action: action, resource: resource, context: context),
        policies: try PolicySet.parse(policies), entities: try Entities(entities))
}

/// Evaluates a single expression by wrapping it in `permit(...) when { expr }` and reporting the outcome.
enum Outcome: Equatable { case allow, deny, error }

func eval(_ expr: String, context: [String: Value] = [:], entities: [Entity] = []) throws -> Outcome {
    let r = try decide("permit(principal, action, resource) when { \(expr) };", context: context, entities: entities)
    if !r.errors.isEmpty { return .error }
    return r.decision == .allow ? .allow : .deny
}
