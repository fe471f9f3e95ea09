import Foundation
import TesseraCore
import Testing

@testable import TesseraDiscovery

@Suite struct SnapshotBuilderTests {
    let start = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func aRepeatedItemKeepsItsLastObservationOnce() {
        var builder = SnapshotBuilder(source: .postgres, scope: "postgres://db:5432/app", startedAt: start)
        builder.add(DiscoveryObservation(externalID: "a", name: "a", kind: "database-role", attributes: ["v": "1"]))
        builder.add(DiscoveryObservation(externalID: "b", name: "b", kind: "database-role"))
        builder.add(DiscoveryObservation(externalID: "a", name: "a", kind: "database-role", attributes: ["v": "2"]))
        let snapshot = builder.snapshot(finishedAt: start)
        #expect(snapshot.observations.map(\.externalID) == ["a", "b"])
        #expect(snapshot.observations[0].attributes["v"] == "2")
        #expect(snapshot.complete)
    }

    @Test func aProblemMakesTheSnapshotIncompleteUnlessItOnlyConcernsOneIdentity() {
        var builder = SnapshotBuilder(source: .aws, scope: "aws:1", startedAt: start)
        builder.problem("aws: cannot read last use of key AKIA…", affectsCompleteness: false)
        #expect(builder.snapshot(finishedAt: start).complete)
        builder.problem("aws: ListUsers page 2 failed")
        let snapshot = builder.snapshot(finishedAt: start)
        #expect(!snapshot.complete)
        #expect(snapshot.problems.count == 2)
    }

    @Test func oneHostileItemIsClampedNotAllowedToSinkTheRun() {
        var builder = SnapshotBuilder(source: .host, scope: "host://h", startedAt: start)
        let huge = String(repeating: "A", count: 10_000)
        builder.add(
            DiscoveryObservation(
                externalID: "host://h/svc", name: "svc", kind: "host-account",
                credentials: [DiscoveredCredential(kind: "ssh-key", reference: "SHA256:x", details: ["command": huge])],
                grants: Array(repeating: "g", count: 3000) + [huge], attributes: ["options": huge]))
        builder.add(DiscoveryObservation(externalID: "host://h/" + huge, name: "x", kind: "host-account"))
        for index in 0..<2500 { builder.problem("p\(index)", affectsCompleteness: false) }
        let snapshot = builder.snapshot(finishedAt: start)
        #expect(snapshot.complete, "clamping and skipping do not make the run partial")
        #expect(snapshot.observations.map(\.externalID) == ["host://h/svc"], "an external id too long to store is left out")
        let svc = snapshot.observations[0]
        #expect(svc.grants.count == DiscoveryLimits.maximumListEntries)
        #expect((svc.attributes["options"]?.utf8.count ?? 0) <= DiscoveryLimits.maximumText)
        #expect((svc.credentials[0].details["command"]?.utf8.count ?? 0) <= DiscoveryLimits.maximumText)
        #expect(snapshot.problems.count == DiscoveryLimits.maximumListEntries)
        #expect(snapshot.problems.last?.contains("more problems not listed") == true)
    }

    @Test func aFingerprintIsStableAndDoesNotContainTheHandle() {
        let handle = "hvs.accessor-abcdef"
        #expect(CredentialFingerprint.of(handle) == CredentialFingerprint.of(handle))
        #expect(!CredentialFingerprint.of(handle).contains("accessor"))
        #expect(CredentialFingerprint.of(handle).count == "sha256:".count + 32)
    }
}
