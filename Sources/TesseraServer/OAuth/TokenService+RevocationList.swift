import Crypto
import Foundation
import TesseraCore
import TesseraCrypto

extension TokenService {
    /// Most entries in one revocation list; beyond that validators must use introspection.
    static let revocationListLimit = 100_000

    /// A signed, cacheable list of revoked-but-unexpired token ids for offline validators.
    ///
    /// A compact JWS (`typ: revocation-list+jwt`, signed with the token key, so it verifies against the
    /// same JWKS) whose claims carry `iss`, `iat`, `exp` (a short validity so stale lists age out) and
    /// `revoked`: `[{"jti", "exp"}]`. Returns the JWS and a strong ETag of its claims.
    func revocationList() async throws -> (body: String, etag: String) {
        let now = clock.now()
        let revoked = try await tokenState.revokedUnexpired(now: now, limit: Self.revocationListLimit)
        var entries: [String] = []
        entries.reserveCapacity(revoked.count)
        for item in revoked {
            var entry = JSONWriter()
            entry.field("jti", item.jti)
            entry.field("exp", Int(item.expiresAt.timeIntervalSince1970))
            entries.append(String(decoding: entry.finish(), as: UTF8.self))
        }
        let listDigest = Hex.encode(SHA256.hash(data: Data(entries.joined(separator: ",").utf8))).prefix(32)
        var claims = JSONWriter()
        claims.field("iss", issuer)
        claims.field("iat", Int(now.timeIntervalSince1970))
        claims.field("exp", Int(now.timeIntervalSince1970) + Self.revocationListValidity)
        claims.field("complete", revoked.count < Self.revocationListLimit)
        claims.rawField("revoked", json: "[" + entries.joined(separator: ",") + "]")
        let body = try keys.active.sign(claims: claims.finish(), typ: "revocation-list+jwt")
        return (body, "\"\(listDigest)\"")
    }

    /// Seconds a revocation list stays valid; validators refetch at least this often.
    static let revocationListValidity = 60
}
