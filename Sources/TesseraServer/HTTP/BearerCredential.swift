/// The credential of an `Authorization: Bearer <credential>` header.
enum BearerCredential {
    /// The part after `Bearer ` (scheme matched case-insensitively), or `nil` for any other header or one
    /// longer than `maximumLength` bytes.
    static func from(_ authorization: String?, maximumLength: Int) -> Substring? {
        guard let authorization, authorization.utf8.count <= maximumLength else { return nil }
        let parts = authorization.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        return parts[1]
    }
}
