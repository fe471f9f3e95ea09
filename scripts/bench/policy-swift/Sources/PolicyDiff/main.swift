// Differential-testing helper for scripts/bench/policy-diff.py. Reads a JSON array on stdin and
// prints one JSON line per item:
//   PolicyDiff policies   items are policy texts        -> {"ok": Bool}
//   PolicyDiff schema     items are .cedarschema texts  -> {"ok": Bool}
//   PolicyDiff validate   items are [schema, policies]  -> {"ok": Bool} (parsed and validated)
//   PolicyDiff eval       items are expressions         -> {"ok": true, "value": "<Cedar literal>"} or {"ok": false}
//   PolicyDiff json       items are [cedar text, Cedar JSON policy format] -> {"ok": same policies?}
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
        case "json":
            guard case .array(let pair) = item, pair.count == 2 else { fatalError("expected [text, json]") }
            let fromText = try PolicySet.parse(pair[0].stringValue ?? "", useIDAnnotations: false)
            let fromJSON = try PolicySet.fromJSON(pair[1].stringValue ?? "")
            let a = (fromText.templates + fromText.policies).sorted { $0.id < $1.id }
            let b = (fromJSON.templates + fromJSON.policies).sorted { $0.id < $1.id }
            var mismatch: String? = a.count == b.count ? nil : "policy count \(a.count) vs \(b.count)"
            for (x, y) in zip(a, b) where mismatch == nil {
                let same =
                    x.id == y.id && x.effect == y.effect && x.principal == y.principal && x.action == y.action
                    && x.resource == y.resource && x.conditions.map(\.isWhen) == y.conditions.map(\.isWhen)
                    && x.conditions.map { flatten($0.body) } == y.conditions.map { flatten($0.body) }
                    && x.annotations.map(\.key) == y.annotations.map(\.key)
                if !same { mismatch = "\(x.id): \(x) VS \(y)" }
            }
            line(mismatch == nil, mismatch)
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

/// Treats `(a && b) && c` like `a && b && c` (the JSON format does not record parentheses) and
/// orders record literal entries.
func flatten(_ e: Expr) -> Expr {
    switch e {
    case .and(let items):
        var out: [Expr] = []
        for (i, item) in items.map(flatten).enumerated() {
            if i == 0, case .and(let inner) = item { out += inner } else { out.append(item) }
        }
        return .and(out)
    case .or(let items):
        var out: [Expr] = []
        for (i, item) in items.map(flatten).enumerated() {
            if i == 0, case .or(let inner) = item { out += inner } else { out.append(item) }
        }
        return .or(out)
    case .not(let a): return .not(flatten(a))
    case .negate(let a): return .negate(flatten(a))
    case .ifThenElse(let a, let b, let c): return .ifThenElse(flatten(a), flatten(b), flatten(c))
    case .binary(let op, let a, let b): return .binary(op, flatten(a), flatten(b))
    case .getAttr(let a, let k): return .getAttr(flatten(a), k)
    case .hasAttr(let a, let k): return .hasAttr(flatten(a), k)
    case .like(let a, let p): return .like(flatten(a), p)
    case .isType(let a, let t): return .isType(flatten(a), t)
    case .isEmpty(let a): return .isEmpty(flatten(a))
    case .set(let es): return .set(es.map(flatten))
    case .record(let es):  // record literals are unordered
        return .record(
            es.map { Expr.RecordEntry(key: $0.key, value: flatten($0.value)) }.sorted {
                Array($0.key.utf8).lexicographicallyPrecedes(Array($1.key.utf8))
            })
    case .call(let f, let args): return .call(f, args.map(flatten))
    case .value, .variable, .slot: return e
    }
}
