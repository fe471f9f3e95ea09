/// Bounds on what one snapshot may hold, shared by the connectors (which clamp what a source returns, so that one
/// hostile item cannot make a whole run unusable) and the server (which refuses a snapshot beyond them).
public enum DiscoveryLimits {
    public static let maximumObservations = 200_000
    /// Entries in any list: grants, evidence, problems, credentials.
    public static let maximumListEntries = 2_000
    /// Bytes in any free-text string.
    public static let maximumText = 4_096
    public static let maximumExternalID = 1_024
    public static let maximumName = 512
    public static let maximumKind = 64
    public static let maximumAttributes = 256
    public static let maximumAttributeKey = 128
    public static let maximumScope = 512

    /// `text` cut to at most `bytes` UTF-8 bytes on a character boundary, with `…` when cut.
    public static func clamp(_ text: String, to bytes: Int = maximumText) -> String {
        guard text.utf8.count > bytes else { return text }
        var result = ""
        var used = 0
        for character in text {
            let size = character.utf8.count
            if used + size > bytes - 3 { break }
            result.append(character)
            used += size
        }
        return result + "…"
    }
}
