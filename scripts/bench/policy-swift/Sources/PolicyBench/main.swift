// Measures TesseraPolicy: policy parse time and per-decision latency (median, p99).
// Usage: PolicyBench <policies.cedar> <entities.json> <requests.json> <decisions>
import Foundation
import TesseraPolicy

func read(_ path: String) -> String {
    guard let d = FileManager.default.contents(atPath: path) else { fatalError("cannot read \(path)") }
    return String(decoding: d, as: UTF8.self)
}

func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

let args = CommandLine.arguments
guard args.count == 5, let total = Int(args[4]) else {
    print("usage: PolicyBench <policies.cedar> <entities.json> <requests.json> <decisions>")
    exit(2)
}
let policyText = read(args[1])
let t0 = now()
let policies = try PolicySet.parse(policyText)
let parseNs = now() - t0
let entities = try Entities.fromJSON(read(args[2]))
guard case .array(let reqJSON) = try JSONValue.parse(read(args[3])) else { fatalError("requests must be an array") }
let requests: [Request] = try reqJSON.map { r in
    Request(
        principal: try EntityUID(json: r["principal"]!), action: try EntityUID(json: r["action"]!),
        resource: try EntityUID(json: r["resource"]!),
        context: try Request.context(fromJSON: r["context"] ?? .object([])))
}

// Correctness pass: one decision per request.
var allows = 0
for r in requests where Authorizer.isAuthorized(r, policies: policies, entities: entities).decision == .allow { allows += 1 }

// Warm-up, then timed decisions (each timed individually).
for i in 0..<min(total, 20_000) {
    _ = Authorizer.isAuthorized(requests[i % requests.count], policies: policies, entities: entities)
}
var samples = [UInt64]()
samples.reserveCapacity(total)
var sink = 0
for i in 0..<total {
    let r = requests[i % requests.count]
    let s = now()
    let resp = Authorizer.isAuthorized(r, policies: policies, entities: entities)
    samples.append(now() - s)
    sink &+= resp.reasons.count
}
samples.sort()
let median = Double(samples[samples.count / 2]) / 1000
let p99 = Double(samples[min(samples.count - 1, samples.count * 99 / 100)]) / 1000
print(
    "{\"policies\": \(policies.policies.count), \"parse_ms\": \(Double(parseNs) / 1e6), \"median_us\": \(median), \"p99_us\": \(p99), \"allows\": \(allows), \"requests\": \(requests.count), \"sink\": \(sink)}"
)
