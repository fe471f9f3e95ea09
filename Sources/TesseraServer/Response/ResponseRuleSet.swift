import Foundation
import TesseraPosture

/// The response rules of a policy folder (`responses.json`), or the default set. A file that does not parse or
/// names an unknown field, action, category or severity is refused with file:line and the reason; the previous
/// rules stay in force.
struct ResponseRuleSet: Sendable, Equatable {
    let rules: [ResponseRule]
    /// Record what would have happened (`response.would_*`) instead of acting.
    let dryRun: Bool
    /// The file the rules came from (`(default)` for the built-in set).
    let source: String

    static let fileName = "responses.json"
    static let empty = ResponseRuleSet(rules: [], dryRun: false, source: "(none)")

    struct LoadError: Error, CustomStringConvertible {
        let description: String
    }

    /// The rules for a policy folder: its `responses.json`, none when the folder has no such file; the built-in
    /// default rules when no folder is configured.
    static func load(directory: String?) throws(LoadError) -> ResponseRuleSet {
        guard let directory else { return try parse(DefaultPolicies.responses, source: "(default)") }
        let path = (directory as NSString).appendingPathComponent(fileName)
        // Only a missing file means "no rules": a file that cannot be read (a directory, no permission, an I/O
        // error) is refused, so that the previous rules stay.
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return .empty }
        guard !isDirectory.boolValue, let data = FileManager.default.contents(atPath: path) else {
            throw LoadError(description: "\(path): cannot be read as a file")
        }
        guard data.count <= 1 << 20 else { throw LoadError(description: "\(path): larger than 1 MiB") }
        return try parse(String(decoding: data, as: UTF8.self), source: path)
    }

    static func parse(_ text: String, source: String) throws(LoadError) -> ResponseRuleSet {
        func fail(_ reason: String, near needle: String? = nil) -> LoadError {
            let line = needle.flatMap { needle in
                text.range(of: needle).map { text[..<$0.lowerBound].filter { $0 == "\n" }.count + 1 }
            }
            return LoadError(description: "\(source):\(line ?? 1): \(reason)")
        }
        if let (line, reason) = syntaxError(text) { throw LoadError(description: "\(source):\(line): \(reason)") }
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
            throw fail("not a JSON object {\"rules\": [...]}")
        }
        if let unknown = Set(object.keys).subtracting(["rules", "dry_run", "description"]).first {
            throw fail("unknown field \"\(unknown.prefix(40))\"", near: "\"\(unknown)\"")
        }
        // JSONSerialization reads `1` and `"yes"` as something `as? Bool` may accept: only a JSON boolean is one.
        var dryRun = false
        if let raw = object["dry_run"] {
            guard let number = raw as? NSNumber, String(cString: number.objCType) == "c" else {
                throw fail("\"dry_run\" must be true or false", near: "\"dry_run\"")
            }
            dryRun = number.boolValue
        }
        guard let list = object["rules"] as? [[String: Any]] else { throw fail("\"rules\" must be a list of rules") }
        var rules: [ResponseRule] = []
        var ids = Set<String>()
        for (index, entry) in list.enumerated() {
            let id = entry["id"] as? String ?? ""
            let near = id.isEmpty ? nil : "\"\(id)\""
            guard !id.isEmpty, id.count <= 64, ids.insert(id).inserted else {
                throw fail("rules[\(index)]: \"id\" must be a unique, non-empty string of at most 64 characters", near: near)
            }
            if let unknown = Set(entry.keys).subtracting(["id", "description", "when", "actions"]).first {
                throw fail("rule \(id): unknown field \"\(unknown.prefix(40))\"", near: near)
            }
            guard let when = entry["when"] as? [String: Any] else { throw fail("rule \(id): \"when\" is required", near: near) }
            let match: ResponseRule.Match
            do {
                match = try Self.match(when)
            } catch {
                throw fail("rule \(id): \(error.description)", near: near)
            }
            guard let names = entry["actions"] as? [String], !names.isEmpty else {
                throw fail("rule \(id): \"actions\" must be a non-empty list", near: near)
            }
            var actions: [ResponseRule.Action] = []
            for name in names {
                guard let action = ResponseRule.Action(rawValue: name) else {
                    let known = ResponseRule.Action.allCases.map(\.rawValue).joined(separator: ", ")
                    throw fail("rule \(id): unknown action \"\(name.prefix(40))\" (known: \(known))", near: near)
                }
                if match.isSignalRule, action == .endTask {
                    throw fail("rule \(id): end-task applies to findings, not to request signals", near: near)
                }
                // Findings another party can cause for an identity may only take the actions listed for them, or that
                // party could suspend or hold the identity.
                for category in match.categories ?? [] {
                    if let allowed = CausedByOthers.allowedActions(category), !allowed.contains(action) {
                        throw fail(
                            "rule \(id): \(action.rawValue) on \(category) would let a party other than the identity contain "
                                + "it; only \(allowed.map(\.rawValue).sorted().joined(separator: ", ")) allowed for it",
                            near: near)
                    }
                }
                actions.append(action)
            }
            rules.append(
                ResponseRule(id: id, description: entry["description"] as? String ?? "", match: match, actions: actions))
        }
        return ResponseRuleSet(rules: rules, dryRun: dryRun, source: source)
    }

    static let signalNames: Set<String> = ["new-network", "new-audience", "rate-spike", "deep-delegation", "unusual-hour"]

    private static func match(_ when: [String: Any]) throws(LoadError) -> ResponseRule.Match {
        func strings(_ key: String) throws(LoadError) -> Set<String>? {
            switch when[key] {
            case nil: return nil
            case let value as String: return [value]
            case let values as [String] where !values.isEmpty: return Set(values)
            default: throw LoadError(description: "\"\(key)\" must be a string or a list of strings")
            }
        }
        if let unknown = Set(when.keys).subtracting(["category", "severity", "owasp", "signal", "environment"]).first {
            throw LoadError(description: "unknown condition \"\(unknown.prefix(40))\"")
        }
        var match = ResponseRule.Match()
        match.categories = try strings("category")
        for category in match.categories ?? [] where FindingCategory(rawValue: category) == nil {
            throw LoadError(description: "unknown finding category \"\(category.prefix(40))\"")
        }
        if let severity = when["severity"] {
            guard let text = severity as? String, let parsed = Severity(rawValue: text) else {
                throw LoadError(description: "severity must be one of low, medium, high, critical")
            }
            match.minimumSeverity = parsed
        }
        match.owasp = try strings("owasp")
        match.signals = try strings("signal")
        for signal in match.signals ?? [] where !signalNames.contains(signal) {
            throw LoadError(
                description: "unknown signal \"\(signal.prefix(40))\" (known: \(signalNames.sorted().joined(separator: ", ")))")
        }
        match.environments = try strings("environment")
        guard match.categories != nil || match.minimumSeverity != nil || match.owasp != nil || match.signals != nil else {
            throw LoadError(description: "\"when\" needs a category, severity, owasp or signal")
        }
        if match.signals != nil, match.categories != nil || match.minimumSeverity != nil || match.owasp != nil {
            throw LoadError(description: "a rule matches either request signals or findings, not both")
        }
        return match
    }

    /// Where a JSON text stops parsing: the parser's "around character N" as a line number.
    static func syntaxError(_ text: String) -> (line: Int, reason: String)? {
        do {
            _ = try JSONSerialization.jsonObject(with: Data(text.utf8))
            return nil
        } catch {
            let debug = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? "invalid JSON"
            let offset = debug.range(of: "character ").flatMap { Int(debug[$0.upperBound...].prefix { $0.isNumber }) } ?? 0
            let line = text.utf8.prefix(offset).filter { $0 == UInt8(ascii: "\n") }.count + 1
            return (line, debug)
        }
    }
}
