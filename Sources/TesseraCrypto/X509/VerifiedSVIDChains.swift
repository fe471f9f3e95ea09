import Crypto
import Foundation
import Synchronization
import TesseraCore
import X509

/// X.509-SVID chains already verified, by the SHA-256 of their certificates' DER, each with the authorities it was
/// verified against: an agent sends the same node SVID chain with every proof, and re-parsing and re-verifying it
/// (certificate decoding and one ECDSA verification per certificate) was a tenth of an SVID request's time.
///
/// A hit is used only for the same bytes, the same authorities (a CA rotation or a changed trust bundle misses), and
/// while `now` is inside every certificate's validity; anything else is verified in full. Only a chain that verified
/// is kept, so nobody can place an entry without holding a valid SVID's chain. Bounded: when full it is emptied.
public final class VerifiedSVIDChains: Sendable {
    struct Entry: Sendable {
        let authorities: [Certificate]
        let id: SPIFFEID
        let key: VerificationKey
        /// The latest `notValidBefore` and the earliest `notValidAfter` in the chain.
        let notBefore: Date
        let notAfter: Date
    }

    private let held = Mutex<[SHA256Digest: Entry]>([:])
    public let capacity: Int

    public init(capacity: Int = 4096) {
        self.capacity = capacity
    }

    /// The SPIFFE ID and leaf key of the chain `x5c` (base64 DER, leaf first), verified against `authorities` at `now`.
    func verify(x5c: [String], authorities: [Certificate], now: Date) throws(TesseraCryptoError) -> (SPIFFEID, VerificationKey) {
        let der = try Self.certificates(x5c)
        // Keyed by the certificates' bytes, each length-prefixed (not by the base64 text, which has several spellings of
        // one chain: a node could otherwise fill the set with one valid chain).
        var hasher = SHA256()
        for item in der {
            var length = UInt64(item.count).bigEndian
            withUnsafeBytes(of: &length) { hasher.update(bufferPointer: $0) }
            hasher.update(data: item)
        }
        let digest = hasher.finalize()
        if let entry = held.withLock({ $0[digest] }), entry.notBefore <= now, now < entry.notAfter,
            entry.authorities == authorities
        {
            return (entry.id, entry.key)
        }
        let entry = try Self.verified(der, authorities: authorities, now: now)
        held.withLock { held in
            if held.count >= capacity, held[digest] == nil { held.removeAll(keepingCapacity: true) }
            held[digest] = entry
        }
        return (entry.id, entry.key)
    }

    /// `verify` without keeping anything: the chain is parsed and verified in full.
    static func verifyInFull(x5c: [String], authorities: [Certificate], now: Date) throws(TesseraCryptoError) -> (
        SPIFFEID, VerificationKey
    ) {
        let entry = try verified(try certificates(x5c), authorities: authorities, now: now)
        return (entry.id, entry.key)
    }

    /// The DER of each `x5c` entry; a chain names each certificate once (a repeated one would be another spelling of
    /// the same chain).
    private static func certificates(_ x5c: [String]) throws(TesseraCryptoError) -> [[UInt8]] {
        var der: [[UInt8]] = []
        for item in x5c {
            guard let data = Data(base64Encoded: item) else {
                throw TesseraCryptoError(.malformedJWS, "x5c entry is not base64")
            }
            der.append(Array(data))
        }
        guard Set(der).count == der.count else { throw TesseraCryptoError(.invalidSVID, "x5c repeats a certificate") }
        return der
    }

    /// The chain parsed and verified, with the window in which every certificate in it is valid.
    private static func verified(_ der: [[UInt8]], authorities: [Certificate], now: Date) throws(TesseraCryptoError) -> Entry {
        let chain = try X509SVIDVerifier.parse(der: der)
        let id = try X509SVIDVerifier(authorities: authorities).verify(chain: chain, now: now)
        return Entry(
            authorities: authorities, id: id, key: try VerificationKey(certificatePublicKey: chain[0].publicKey),
            notBefore: chain.map(\.notValidBefore).max() ?? now, notAfter: chain.map(\.notValidAfter).min() ?? now)
    }

    /// How many chains are held.
    public var count: Int { held.withLock { $0.count } }
}
