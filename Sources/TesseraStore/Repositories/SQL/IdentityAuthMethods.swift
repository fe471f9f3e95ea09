import TesseraCore

/// The stored form of an identity's authentication methods (docs/threat-model.md, "Authentication methods"): a
/// JSON array of method names.
enum IdentityAuthMethods {
    /// What identities made before the column existed keep: every method they could use then.
    static let legacyDefault = JSONList.encode(AuthMethod.legacy.map(\.rawValue))

    static func encode(_ methods: [AuthMethod]) -> String { JSONList.encode(methods.map(\.rawValue)) }

    /// Decodes the stored form; a name this version does not know is a corrupt row, not a silent drop.
    static func decode(_ text: String) throws -> [AuthMethod] {
        do {
            return try AuthMethod.parse(JSONList.decode(text))
        } catch {
            throw StoreError(.corrupted, "identity row has an unknown authentication method")
        }
    }
}
