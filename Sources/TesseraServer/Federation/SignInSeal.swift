import Crypto
import Foundation
import TesseraCore
import TesseraCrypto

/// Seals small sign-in records (AES-256-GCM) so that they travel in redirects instead of living in the
/// server: a sign-in in progress costs the server nothing until it comes back. The key is random per
/// process; a purpose string is bound into each seal as authenticated data, so a record sealed for one use
/// cannot be opened as another.
struct SignInSeal: Sendable {
    private let key: SymmetricKey

    init(key: SymmetricKey = SymmetricKey(size: .bits256)) { self.key = key }

    func seal<Value: Encodable>(_ value: Value, purpose: String) throws -> String {
        let plain = try JSONEncoder().encode(value)
        let box = try AES.GCM.seal(plain, using: key, authenticating: Data(purpose.utf8))
        guard let combined = box.combined else { throw TesseraError(.invalidArgument, "cannot seal") }
        return Base64URL.encode(combined)
    }

    /// The record, or `nil` when `text` was not sealed by this server for `purpose` (or was altered).
    func open<Value: Decodable>(_ text: String, as type: Value.Type, purpose: String) -> Value? {
        guard text.utf8.count <= 4096, let combined = Base64URL.decode(text),
            let box = try? AES.GCM.SealedBox(combined: combined),
            let plain = try? AES.GCM.open(box, using: key, authenticating: Data(purpose.utf8))
        else { return nil }
        return try? JSONDecoder().decode(type, from: plain)
    }
}

/// Identifiers of sealed records already used, remembered until they expire: best-effort single use with a
/// hard bound on memory (the oldest entry is dropped when full; a dropped entry is then only as replayable as
/// what else protects it: the IdP's single-use code, PKCE).
struct UsedOnce: Sendable {
    private var entries: [String: Date] = [:]
    private var order: [String] = []
    let capacity: Int

    init(capacity: Int) { self.capacity = capacity }

    /// Records `id` until `expiresAt`; `false` when it was already used.
    mutating func claim(_ id: String, until expiresAt: Date, now: Date) -> Bool {
        if let known = entries[id], known > now { return false }
        if order.count >= capacity {
            order.removeAll { entries[$0].map { $0 <= now } ?? true }
            entries = entries.filter { $0.value > now }
            while order.count >= capacity { entries[order.removeFirst()] = nil }
        }
        entries[id] = expiresAt
        order.append(id)
        return true
    }
}
