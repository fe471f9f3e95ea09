// Differential-testing helper for scripts/bench/policy-diff.py. Reads a JSON array on stdin and
// prints one JSON line per item:
//   PolicyDiff policies   items are policy texts        -> {"ok": Bool}
//   PolicyDiff schema     items are .cedarschema texts  -> {"ok": Bool}
//   PolicyDiff validate   items are [schema, policies]  -> {"ok": Bool} (parsed and validated)
//   PolicyDiff eval       items are expressions         -> {"ok": true, "value": "<Cedar literal>"} or {"ok": false}
//   PolicyDiff authorize  items are [schema, policies, entities, [requests]]
//                         -> {"ok": true, "results": [{"decision", "reasons", "errors"}]}
import Foundation
import TesseraPolicy

let mode = CommandLine.arguments.dropFirst().first ?? "policies"
let input = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
guard case .array(let items) = try JSONValue.parse(input) else { fatalError("expected a JSON array") }

func line(_ ok: Bool, _ error: String? = nil) {
    if let error {
        print(#"{"ok": \#(ok), "error": \#(JSONValue.string(error).serialized)}"#)
    } else {
        print(#"{"ok": \#(ok)}"#)
    }
}

for item in items {
    do {
        switch mode {
        case "schema":
            _ = try Schema.parse(item.stringValue ?? "")
            line(true)
        case "validate":
            guard case .array(let pair) = item, pair.count == 2 else { fatalError("expected [schema, policies]") }
            let schema = try Schema.parse(pair[0].stringValue ?? "")
            let policies = try PolicySet.parse(pair[1].stringValue ?? "", useIDAnnotations: false)
            let result = Validator.validate(policies, schema: schema)
            line(result.isValid, result.errors.first?.description)
        case "eval":
            let request = Request(
                principal: EntityUID(type: "U", id: "p"), action: EntityUID(type: "Action", id: "a"),
                resource: EntityUID(type: "U", id: "r"))
            let value = try Authorizer.evaluate(item.stringValue ?? "", request: request, entities: Entities())
            print(#"{"ok": true, "value": \#(JSONValue.string(value.description).serialized)}"#)
        case "authorize":
            guard case .array(let parts) = item, parts.count == 4, case .array(let requests) = parts[3] else {
                fatalError("expected [schema, policies, entities, requests]")
            }
            let schema = try Schema.parse(parts[0].stringValue ?? "")
            let policies = try PolicySet.parse(parts[1].stringValue ?? "", useIDAnnotations: false)
            let entities = try Entities.fromJSON(parts[2].stringValue ?? "", schema: schema)
            var results: [String] = []
            for r in requests {
                let action = try EntityUID(json: r["action"]!)
                let request = Request(
                    principal: try EntityUID(json: r["principal"]!), action: action,
                    resource: try EntityUID(json: r["resource"]!),
                    context: try Request.context(fromJSON: r["context"] ?? .object([]), schema: schema, action: action))
                let resp = Authorizer.isAuthorized(request, policies: policies, entities: entities)
                let reasons = resp.reasons.sorted().map { JSONValue.string($0).serialized }.joined(separator: ",")
                let errors = Set(resp.errors.map(\.policyID)).sorted().map { JSONValue.string($0).serialized }.joined(
                    separator: ",")
                results.append(#"{"decision": "\#(resp.decision.rawValue)", "reasons": [\#(reasons)], "errors": [\#(errors)]}"#)
            }
            print(#"{"ok": true, "results": [\#(results.joined(separator: ","))]}"#)
        default:
            _ = try PolicySet.parse(item.stringValue ?? "", useIDAnnotations: false)
            line(true)
        }
    } catch {
        line(false, error.description)
    }
}
