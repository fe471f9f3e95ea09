import Foundation
import TesseraStore

extension IdentityDetectors {
    /// The earliest time (seconds since 1970), at or after `now`, at which the findings for `identity` could change
    /// with the clock alone: the identity's row, its part of the digest and the departed owners unchanged. Until
    /// then an evaluation at a later time finds exactly what this one found, so a kept result can stand.
    ///
    /// Every comparison with the clock in these detectors sets a time `t` from the row or the digest against `now`
    /// moved by a fixed window `d` (`t ≤ now − d`, `t ≥ now − d`, `t < now − d`); each flips only when `now` passes
    /// `t + d`, so the answer is the least such `t + d` not before `now`. Windows over hourly buckets move at every
    /// hour boundary. A time equal to `now` counts (the result then holds for this instant only).
    func changesAt(_ identity: InventoryRow) -> Double {
        guard identity.status != .retired else { return .infinity }
        let now = self.now.timeIntervalSince1970
        var next = Double.infinity
        func at(_ time: Double) {
            if time >= now, time < next { next = time }  // NaN compares false: absent times never count
        }
        let stale = window(thresholds.staleDays)
        let usage = window(thresholds.usageWindowDays)
        let drift = window(thresholds.driftWindowDays)
        let baseline = 8.0 * 86_400
        if let expiresAt = identity.expiresAt { at(expiresAt.timeIntervalSince1970) }
        if let reviewBy = identity.reviewBy { at(reviewBy.timeIntervalSince1970) }
        let created = identity.createdAt.timeIntervalSince1970
        at(created + stale)
        at(created + usage)
        guard let subject = digest.subjectID(identity.clientID) else { return next }
        let profile = digest.profiles[Int(subject)]
        at(profile.lastIssued + stale)
        at(profile.lastIssued + usage)
        at(profile.firstIssued + drift)
        at(profile.firstIssued + baseline)
        var index = profile.sightings
        while index >= 0 {
            let sighting = digest.sightings[Int(index)]
            at(sighting.last + usage)
            at(sighting.first + drift)
            index = sighting.next
        }
        if profile.buckets >= 0 { at(((now / 3600).rounded(.down) + 1) * 3600) }
        return next
    }

    private func window(_ days: Int) -> Double { Double(days) * 86_400 }
}
