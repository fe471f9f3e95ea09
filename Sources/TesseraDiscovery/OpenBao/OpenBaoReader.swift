import Foundation
import TesseraCore

/// Reads the listings that make identities: AppRoles with their secret IDs, token accessors, and KV version 2
/// metadata trees. Every listing is read to its end, a few requests at a time; what the token may not read becomes
/// a problem naming the path and the capability, never a guess.
struct OpenBaoReader: Sendable {
    let api: OpenBaoAPI
    let mapper: OpenBaoMapper
    let concurrency: Int

    /// What one item's reading produced.
    private struct Result: Sendable {
        var observation: DiscoveryObservation?
        var problems: [(String, Bool)] = []
    }

    /// A problem for a 403: the path, the capability the discovery token needs there, and what is missing as a result.
    static func denied(_ path: String, _ capability: String, _ consequence: String) -> String {
        "openbao: permission denied on \(path) (the discovery token needs \"\(capability)\" there): \(consequence)"
    }

    /// The keys of a LIST, or `nil` after recording why they could not be read.
    private func keys(_ path: String, what: String, into builder: inout SnapshotBuilder) async throws -> [String]? {
        switch try await api.list(path) {
        case .ok(let answer): return answer["data"]["keys"].strings
        case .notFound: return []
        case .denied:
            builder.problem(Self.denied(path, "list", "\(what) were not read"))
        case .failed(let message):
            builder.problem("openbao: cannot list \(path) (\(message)): \(what) were not read")
        }
        return nil
    }

    private func apply(_ results: [Result], into builder: inout SnapshotBuilder) {
        for result in results {
            if let observation = result.observation { builder.add(observation) }
            for (problem, affects) in result.problems { builder.problem(problem, affectsCompleteness: affects) }
        }
    }

    func appRoles(mount: String, into builder: inout SnapshotBuilder) async throws {
        guard let names = try await keys("auth/\(mount)/role", what: "AppRoles of auth/\(mount)", into: &builder) else { return }
        apply(
            try await names.concurrentMap(limit: concurrency) { name in try await appRole(mount: mount, name: name) },
            into: &builder)
    }

    private func appRole(mount: String, name: String) async throws -> Result {
        let path = "auth/\(mount)/role/\(name)"
        let role: OpenBaoValue
        switch try await api.read(path) {
        case .ok(let answer): role = answer["data"]
        case .notFound: return Result()  // deleted since the listing
        case .denied: return Result(problems: [(Self.denied(path, "read", "AppRole \"\(name)\" was not read"), true)])
        case .failed(let message): return Result(problems: [("openbao: cannot read \(path) (\(message))", true)])
        }
        var secretIDs: [(accessor: String, data: OpenBaoValue)] = []
        var problems: [(String, Bool)] = []
        var secretIDProblem: String?
        switch try await api.list("\(path)/secret-id") {
        case .ok(let answer):
            for accessor in answer["data"]["keys"].strings {
                let lookup = "\(path)/secret-id-accessor/lookup"
                switch try await api.post(lookup, ["secret_id_accessor": accessor]) {
                case .ok(let answer) where answer["data"] != .null: secretIDs.append((accessor, answer["data"]))
                case .ok, .notFound, .failed: continue  // expired or used up since the listing
                case .denied:
                    secretIDProblem = "permission denied on \(lookup)"
                    problems.append((Self.denied(lookup, "update", "secret IDs of AppRole \"\(name)\" were not read"), false))
                }
                if secretIDProblem != nil { break }
            }
        case .notFound: break
        case .denied:
            secretIDProblem = "permission denied on \(path)/secret-id"
            problems.append((Self.denied("\(path)/secret-id", "list", "secret IDs of AppRole \"\(name)\" were not read"), false))
        case .failed(let message):
            secretIDProblem = message
            problems.append(("openbao: cannot list \(path)/secret-id (\(message))", false))
        }
        let observation = mapper.appRole(
            mount: mount, name: name, role: role, secretIDs: secretIDProblem == nil ? secretIDs : [],
            secretIDProblem: secretIDProblem)
        return Result(observation: observation, problems: problems)
    }

    /// Every token, by accessor; the discovery token itself is always reported (from `lookup-self`).
    func tokens(me: OpenBaoValue, into builder: inout SnapshotBuilder) async throws {
        if let observation = mapper.token(me) { builder.add(observation) }
        guard let accessors = try await keys("auth/token/accessors", what: "tokens (list and sudo needed)", into: &builder)
        else { return }
        let results = try await accessors.concurrentMap(limit: concurrency) { accessor -> Result in
            switch try await api.post("auth/token/lookup-accessor", ["accessor": accessor]) {
            case .ok(let answer): return Result(observation: mapper.token(answer["data"]))
            case .notFound, .failed: return Result()  // revoked or expired since the listing
            case .denied:
                return Result(problems: [(Self.denied("auth/token/lookup-accessor", "update", "a token was not read"), true)])
            }
        }
        let denied = results.filter { !$0.problems.isEmpty }.count
        apply(results.filter { $0.problems.isEmpty }, into: &builder)
        if denied > 0 {
            builder.problem(
                Self.denied("auth/token/lookup-accessor", "update", "\(denied) of \(accessors.count) tokens were not read"))
        }
    }

    /// Every secret's metadata in one KV version 2 mount, walked breadth-first within the bounds.
    func kvSecrets(mount: String, maximumDepth: Int, maximum: Int, into builder: inout SnapshotBuilder) async throws {
        var folders: [(String, Int)] = [("", 0)]
        var secrets: [String] = []
        while !folders.isEmpty {
            let batch = folders
            folders = []
            let listings = try await batch.concurrentMap(limit: concurrency) { folder, depth in
                (folder, depth, try await api.list("\(mount)/metadata/\(folder)"))
            }
            for (folder, depth, outcome) in listings {
                let path = "\(mount)/metadata/\(folder)"
                switch outcome {
                case .ok(let answer):
                    for key in answer["data"]["keys"].strings {
                        if key.hasSuffix("/") {
                            if depth + 1 < maximumDepth {
                                folders.append((folder + key, depth + 1))
                            } else {
                                builder.problem("openbao: \(path)\(key) is deeper than \(maximumDepth) levels: not read")
                            }
                        } else if secrets.count < maximum {
                            secrets.append(folder + key)
                        } else {
                            builder.problem("openbao: more than \(maximum) secrets in \(mount): the rest were not read")
                            return try await kvMetadata(mount: mount, secrets, into: &builder)
                        }
                    }
                case .notFound: continue
                case .denied: builder.problem(Self.denied(path, "list", "secrets under \(path) were not read"))
                case .failed(let message): builder.problem("openbao: cannot list \(path) (\(message))")
                }
            }
        }
        try await kvMetadata(mount: mount, secrets, into: &builder)
    }

    private func kvMetadata(mount: String, _ secrets: [String], into builder: inout SnapshotBuilder) async throws {
        let results = try await secrets.concurrentMap(limit: concurrency) { secret -> Result in
            let path = "\(mount)/metadata/\(secret)"
            switch try await api.read(path) {
            case .ok(let answer):
                return Result(observation: mapper.kvSecret(mount: mount, path: secret, metadata: answer["data"]))
            case .notFound: return Result()
            case .denied: return Result(problems: [(Self.denied(path, "read", "secret \(mount)/\(secret) was not read"), true)])
            case .failed(let message): return Result(problems: [("openbao: cannot read \(path) (\(message))", true)])
            }
        }
        apply(results, into: &builder)
    }
}
