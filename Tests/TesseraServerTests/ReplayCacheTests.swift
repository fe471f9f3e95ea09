import Foundation
import TesseraTestSupport
import Testing

@testable import TesseraServer

/// The in-memory single-use check: a key is refused until it expires, and expired keys leave the cache by the sweep
/// (which visits only passed expiry slots), without dropping a key that was used again later.
@Suite(.stopsServers) struct ReplayCacheTests {
    @Test func keysAreSingleUseUntilTheyExpireAndThenSwept() {
        let cache = ReplayCache()
        let start = Date(timeIntervalSince1970: 1_000_000)
        for index in 0..<1000 {
            #expect(cache.insert("k\(index)", expiresAt: start.addingTimeInterval(30 + Double(index % 60)), now: start))
        }
        #expect(!cache.insert("k7", expiresAt: start.addingTimeInterval(300), now: start.addingTimeInterval(1)), "a replay")
        #expect(cache.count == 1000)
        // Past every expiry: the next insert sweeps them all out.
        let later = start.addingTimeInterval(200)
        #expect(cache.insert("fresh", expiresAt: later.addingTimeInterval(60), now: later))
        #expect(cache.count == 1)
        // An expired key may be used again (its record is gone), and is then single-use again.
        #expect(cache.insert("k7", expiresAt: later.addingTimeInterval(60), now: later))
        #expect(!cache.insert("k7", expiresAt: later.addingTimeInterval(60), now: later.addingTimeInterval(1)))
    }

    @Test func aKeyUsedAgainAfterItExpiredSurvivesTheSweepOfItsOldSlot() {
        let cache = ReplayCache()
        let start = Date(timeIntervalSince1970: 2_000_000)
        #expect(cache.insert("k", expiresAt: start.addingTimeInterval(5), now: start))
        // Used again after expiring (a later, longer expiry), then a sweep passes the first slot.
        #expect(cache.insert("k", expiresAt: start.addingTimeInterval(500), now: start.addingTimeInterval(20)))
        #expect(cache.insert("other", expiresAt: start.addingTimeInterval(600), now: start.addingTimeInterval(40)))
        #expect(
            !cache.insert("k", expiresAt: start.addingTimeInterval(900), now: start.addingTimeInterval(50)), "still single-use")
    }
}
