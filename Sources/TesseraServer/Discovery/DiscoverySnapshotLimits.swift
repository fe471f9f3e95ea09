import Foundation
import TesseraCore

/// Bounds on a submitted snapshot, checked before anything is stored: a snapshot comes from an admin, but it
/// carries text read from the source (role names, comments, policy documents) that its owner may control.
enum DiscoverySnapshotLimits {
    static let maximumBodySize = 128 << 20

    static func check(_ snapshot: DiscoverySnapshot) throws(ProblemDetails) {
        let source = snapshot.source.rawValue
        guard (1...32).contains(source.utf8.count),
            source.utf8.allSatisfy({ (0x61...0x7a).contains($0) || (0x30...0x39).contains($0) || $0 == 0x2d })
        else { throw ProblemDetails.badRequest("$.source must be 1-32 characters a-z, 0-9, -") }
        try text(snapshot.scope, "$.scope", maximum: DiscoveryLimits.maximumScope, empty: false)
        guard snapshot.observations.count <= DiscoveryLimits.maximumObservations else {
            throw ProblemDetails.badRequest("$.observations: more than \(DiscoveryLimits.maximumObservations)")
        }
        try list(snapshot.problems, "$.problems")
        try list(snapshot.sourceFindings, "$.source_findings")
        for (index, observation) in snapshot.observations.enumerated() {
            let at = "$.observations[\(index)]"
            try text(observation.externalID, at + ".external_id", maximum: DiscoveryLimits.maximumExternalID, empty: false)
            try text(observation.name, at + ".name", maximum: DiscoveryLimits.maximumName, empty: false)
            try text(observation.kind, at + ".kind", maximum: DiscoveryLimits.maximumKind, empty: false)
            for (name, values) in [
                ("grants", observation.grants), ("privileged", observation.privileged),
                ("interactive_use", observation.interactiveUse), ("unknowns", observation.unknowns),
            ] {
                try list(values, "\(at).\(name)")
            }
            try map(observation.attributes, at + ".attributes")
            guard observation.credentials.count <= DiscoveryLimits.maximumListEntries else {
                throw ProblemDetails.badRequest("\(at).credentials: more than \(DiscoveryLimits.maximumListEntries)")
            }
            for (number, credential) in observation.credentials.enumerated() {
                try text(credential.kind, "\(at).credentials[\(number)].kind", maximum: DiscoveryLimits.maximumKind, empty: false)
                try text(
                    credential.reference, "\(at).credentials[\(number)].reference", maximum: DiscoveryLimits.maximumName,
                    empty: false)
                try map(credential.details, "\(at).credentials[\(number)].details")
            }
        }
    }

    private static func text(_ value: String, _ path: String, maximum: Int = DiscoveryLimits.maximumText, empty: Bool = true)
        throws(ProblemDetails)
    {
        guard empty || !value.isEmpty else { throw ProblemDetails.badRequest("\(path) must not be empty") }
        guard value.utf8.count <= maximum else { throw ProblemDetails.badRequest("\(path) is longer than \(maximum) bytes") }
        guard !value.utf8.contains(0) else { throw ProblemDetails.badRequest("\(path) contains a NUL character") }
    }

    private static func list(_ values: [String], _ path: String) throws(ProblemDetails) {
        guard values.count <= DiscoveryLimits.maximumListEntries else {
            throw ProblemDetails.badRequest("\(path): more than \(DiscoveryLimits.maximumListEntries) entries")
        }
        for (index, value) in values.enumerated() { try text(value, "\(path)[\(index)]") }
    }

    private static func map(_ values: [String: String], _ path: String) throws(ProblemDetails) {
        guard values.count <= DiscoveryLimits.maximumAttributes else {
            throw ProblemDetails.badRequest("\(path): more than \(DiscoveryLimits.maximumAttributes) entries")
        }
        for (key, value) in values {
            try text(key, "\(path) key", maximum: DiscoveryLimits.maximumAttributeKey, empty: false)
            try text(value, "\(path).\(key.prefix(64))")
        }
    }
}
