import Foundation

extension ClusterEvent {
    /// The NOTIFY payload: `kind` `\u{1F}` `origin` `\u{1F}` `subject` (a unit separator cannot occur in SPIFFE IDs,
    /// owner names or node names, which are validated elsewhere; a payload that does not split in three is dropped).
    var payload: String { "\(kind.rawValue)\u{1F}\(origin)\u{1F}\(subject)" }

    init?(payload: String) {
        let parts = payload.split(separator: "\u{1F}", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[0].isEmpty, !parts[1].isEmpty else { return nil }
        self.init(kind: Kind(rawValue: String(parts[0])), subject: String(parts[2]), origin: String(parts[1]))
    }
}
