/// OAuth scope handling (RFC 6749 §3.3).
public enum ScopeSet {
    /// Splits a space-delimited scope parameter, rejecting malformed tokens.
    public static func parse(_ parameter: String) throws(TesseraError) -> [String] {
        var result: [String] = []
        for token in parameter.split(separator: " ", omittingEmptySubsequences: true) {
            let scope = String(token)
            try validate(token: scope)
            if !result.contains(scope) { result.append(scope) }
        }
        return result
    }

    /// Checks one scope token: `%x21 / %x23-5B / %x5D-7E`, at most 128 bytes.
    public static func validate(token: String) throws(TesseraError) {
        guard !token.isEmpty, token.utf8.count <= 128 else {
            throw TesseraError(.invalidScope, "scope must be 1 to 128 characters")
        }
        for byte in token.utf8 {
            let ok = byte == 0x21 || (byte >= 0x23 && byte <= 0x5B) || (byte >= 0x5D && byte <= 0x7E)
            guard ok else { throw TesseraError(.invalidScope, "scope contains a character RFC 6749 does not allow") }
        }
    }
}
