import ArgumentParser
import Foundation
import TesseraPolicy
import TesseraServer

struct PolicyEval: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval", abstract: "Decide one request against a policy folder and say which policies decided it.",
        discussion: """
            Example: tessera policy eval policies/default --principal 'Tessera::Workload::"spiffe://example.org/a"' \
            --action 'Tessera::Action::"issue_token"' --resource 'Tessera::Audience::"https://api"' \
            --context '{"scopes":["read"],"grantType":"client_credentials","risk":"low","intent":"", \
            "time":{"__extn":{"fn":"datetime","arg":"2026-11-23T12:00:00Z"}},"delegationDepth":0}' --entities entities.json
            """)

    @Argument(help: "The policy folder.") var directory: String
    @Option(help: "Principal, e.g. 'Tessera::Workload::\"spiffe://example.org/a\"'.") var principal: String
    @Option(help: "Action, e.g. 'Tessera::Action::\"issue_token\"'.") var action: String
    @Option(help: "Resource, e.g. 'Tessera::Audience::\"https://api\"'.") var resource: String
    @Option(help: "Context as a JSON object (Cedar JSON, __extn escapes allowed).") var context: String = "{}"
    @Option(help: "Extra entities (Cedar JSON entity format), layered over the folder's entities.json.") var entities: String?
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let policies: ActivePolicies
        do {
            policies = try ActivePolicies.load(directory: directory)
        } catch {
            throw CommandFailure(message: error.description)
        }
        do {
            let actionUID = try Self.uid(action, "--action")
            let request = Request(
                principal: try Self.uid(principal, "--principal"), action: actionUID,
                resource: try Self.uid(resource, "--resource"),
                context: try Request.context(fromJSON: try JSONValue.parse(context), schema: policies.schema, action: actionUID))
            var store = policies.entities
            if let entities {
                guard let text = try? String(contentsOfFile: entities, encoding: .utf8) else {
                    throw CommandFailure(message: "cannot read \(entities)")
                }
                store = try store.adding(try Entities.fromJSON(text, schema: policies.schema).all)
            }
            let response = Authorizer.isAuthorized(request, policies: policies.policies, entities: store)
            if output.json {
                let object: [String: Any] = [
                    "decision": response.decision.rawValue, "reasons": response.reasons.sorted(),
                    "errors": response.errors.map { ["policy": $0.policyID, "message": $0.message] },
                    "policy_version": policies.version,
                ]
                print(String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self))
            } else {
                print("decision: \(response.decision.rawValue)")
                print("reasons:  \(response.reasons.sorted().joined(separator: ", "))")
                for error in response.errors { print("error:    \(error)") }
                print("version:  \(policies.version)")
            }
            if response.decision != .allow { throw ExitCode(2) }
        } catch let error as CedarError {
            throw CommandFailure(message: error.description)
        }
    }

    /// Parses `Type::"id"`.
    static func uid(_ text: String, _ option: String) throws -> EntityUID {
        guard let range = text.range(of: "::\"", options: .backwards), text.hasSuffix("\"") else {
            throw CommandFailure(message: "\(option) must look like Type::\"id\"")
        }
        let id = String(text[range.upperBound..<text.index(before: text.endIndex)])
        return EntityUID(type: String(text[..<range.lowerBound]), id: id)
    }
}
