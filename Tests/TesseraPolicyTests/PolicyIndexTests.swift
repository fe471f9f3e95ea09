import Testing

@testable import TesseraPolicy

/// The index must never drop a policy whose scope matches: compare against evaluating every policy.
@Suite struct PolicyIndexTests {
    struct SplitMix {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    }

    @Test func indexedCandidatesMatchBruteForce() throws {
        var rng = SplitMix(state: 7)
        let users = (0..<6).map { uid("User", "u\($0)") }
        let groups = (0..<3).map { uid("Group", "g\($0)") }
        let photos = (0..<6).map { uid("Photo", "p\($0)") }
        let albums = (0..<3).map { uid("Album", "a\($0)") }
        let actions = ["view", "edit", "read"].map { uid("Action", $0) }
        var entities = users.enumerated().map { Entity(uid: $1, parents: [groups[$0 % 3]]) }
        entities += groups.map { Entity(uid: $0, parents: $0.id == "g0" ? [uid("Group", "g1")] : []) }
        entities += photos.enumerated().map { Entity(uid: $1, parents: [albums[$0 % 3]]) }
        entities += albums.map { Entity(uid: $0) }
        entities += [
            Entity(uid: actions[0], parents: [actions[2]]), Entity(uid: actions[1], parents: [actions[2]]),
            Entity(uid: actions[2]),
        ]
        let store = try Entities(entities)
        func pick(_ xs: [EntityUID]) -> String {
            let u = xs[rng.below(xs.count)]
            return "\(u.type)::\"\(u.id)\""
        }
        var text = ""
        for _ in 0..<300 {
            let p = [
                "principal", "principal == \(pick(users))", "principal in \(pick(groups))", "principal is User",
                "principal is User in \(pick(groups))", "principal in \(pick(users))",
            ][rng.below(6)]
            let a = [
                "action", "action == \(pick(actions))", "action in [\(pick(actions)), \(pick(actions))]",
                "action in \(pick(actions))",
            ][rng.below(4)]
            let r = [
                "resource", "resource == \(pick(photos))", "resource in \(pick(albums))", "resource is Photo",
                "resource is Photo in \(pick(albums))",
            ][rng.below(5)]
            text += "\(rng.below(4) == 0 ? "forbid" : "permit")(\(p), \(a), \(r));\n"
        }
        let set = try PolicySet.parse(text)
        for _ in 0..<500 {
            let req = Request(
                principal: users[rng.below(users.count)], action: actions[rng.below(actions.count)],
                resource: photos[rng.below(photos.count)])
            let viaIndex = Authorizer.isAuthorized(req, policies: set, entities: store)
            let all = set.policies.filter { Authorizer.scopeMatches($0, req, store) }
            let forbids = all.filter { $0.effect == .forbid }.map(\.id)
            let permits = all.filter { $0.effect == .permit }.map(\.id)
            let expected = forbids.isEmpty ? permits : forbids
            #expect(Set(viaIndex.reasons) == Set(expected))
            #expect(viaIndex.decision == (forbids.isEmpty && !permits.isEmpty ? .allow : .deny))
            #expect(set.index.candidates(req, store).count >= all.count)
        }
    }
}
