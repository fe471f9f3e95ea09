import Crypto
import Foundation

extension PostgresEndpoint {
    /// A name for a server's local file about this endpoint: 16 hex digits of SHA-256 of
    /// `host:port/database/schema` followed by `qualifier`, so servers, schemas (and, with a qualifier, chains)
    /// sharing a data folder never share a file. Used by posture's digest cache and the remembered audit head.
    public func localFileKey(qualifier: String = "") -> String {
        let key = "\(host):\(port)/\(database)/\(schema ?? "")" + qualifier
        return SHA256.hash(data: Data(key.utf8)).prefix(8).map { String(format: "%02x", $0) }.joined()
    }
}
