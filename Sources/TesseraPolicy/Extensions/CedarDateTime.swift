/// Parsing of Cedar `datetime` and `duration` strings.
enum CedarDateTime {
    static let dayMillis: Int64 = 86_400_000

    /// Parses `YYYY-MM-DD`, optionally followed by `Thh:mm:ss` and `Z`, `.SSSZ`,
    /// `(+|-)hhmm` or `.SSS(+|-)hhmm`, into milliseconds since the epoch.
    static func parseDatetime(_ text: String) -> Int64? {
        let b = Array(text.utf8)
        func num(_ from: Int, _ count: Int) -> Int? {
            guard from + count <= b.count else { return nil }
            var v = 0
            for i in from..<(from + count) {
                guard b[i] >= 48 && b[i] <= 57 else { return nil }
                v = v * 10 + Int(b[i] - 48)
            }
            return v
        }
        guard b.count >= 10, let year = num(0, 4), b[4] == UInt8(ascii: "-"), let month = num(5, 2),
            b[7] == UInt8(ascii: "-"), let day = num(8, 2)
        else { return nil }
        guard month >= 1, month <= 12, day >= 1, day <= daysInMonth(year, month) else { return nil }
        let days = daysFromCivil(year, month, day)
        if b.count == 10 { return Int64(days) * dayMillis }
        guard b.count >= 19, b[10] == UInt8(ascii: "T"), let h = num(11, 2), b[13] == UInt8(ascii: ":"),
            let mi = num(14, 2), b[16] == UInt8(ascii: ":"), let s = num(17, 2)
        else { return nil }
        var i = 19
        var ms = 0
        if i < b.count, b[i] == UInt8(ascii: ".") {
            guard let v = num(i + 1, 3) else { return nil }
            ms = v
            i += 4
        }
        guard i < b.count else { return nil }
        var offsetSeconds = 0
        if b[i] == UInt8(ascii: "Z") {
            guard i + 1 == b.count else { return nil }
        } else if b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") {
            guard i + 5 == b.count, let oh = num(i + 1, 2), let om = num(i + 3, 2) else { return nil }
            guard oh < 24, om < 60 else { return nil }
            offsetSeconds = (oh * 3600 + om * 60) * (b[i] == UInt8(ascii: "+") ? 1 : -1)
        } else {
            return nil
        }
        guard h < 24, mi < 60, s < 60 else { return nil }
        let secs = Int64(days) * 86_400 + Int64(h * 3600 + mi * 60 + s) - Int64(offsetSeconds)
        return secs * 1000 + Int64(ms)
    }

    /// Parses `-?(Nd)?(Nh)?(Nm)?(Ns)?(Nms)?` (at least one unit) into milliseconds.
    static func parseDuration(_ text: String) -> Int64? {
        var b = Array(text.utf8)[...]
        guard !b.isEmpty, text != "-" else { return nil }
        let negative = b.first == UInt8(ascii: "-")
        if negative { b = b.dropFirst() }
        let units: [(String, Int64)] = [("d", dayMillis), ("h", 3_600_000), ("m", 60_000), ("s", 1000), ("ms", 1)]
        var unitIndex = 0
        var total: Int64 = 0
        var sawAny = false
        while !b.isEmpty {
            var digits: [UInt8] = []
            while let c = b.first, c >= 48 && c <= 57 {
                digits.append(c)
                b = b.dropFirst()
            }
            guard !digits.isEmpty else { return nil }
            var unit = ""
            while let c = b.first, c >= 97 && c <= 122 {
                unit.append(Character(UnicodeScalar(c)))
                b = b.dropFirst()
            }
            guard let idx = units[unitIndex...].firstIndex(where: { $0.0 == unit }) else { return nil }
            unitIndex = idx + 1
            var n: UInt64 = 0
            for d in digits {
                let (m, o1) = n.multipliedReportingOverflow(by: 10)
                let (a, o2) = m.addingReportingOverflow(UInt64(d - 48))
                if o1 || o2 { return nil }
                n = a
            }
            let term: Int64
            if units[idx].1 == 1 {
                // Like Cedar, milliseconds are negated before conversion, so -2^63 ms is representable.
                let signed = negative ? -Int128(n) : Int128(n)
                guard let v = Int64(exactly: signed) else { return nil }
                term = v
            } else {
                guard let v = Int64(exactly: n) else { return nil }
                let (scaled, o3) = v.multipliedReportingOverflow(by: units[idx].1)
                if o3 { return nil }
                term = scaled
            }
            let (t, o4) =
                (negative && units[idx].1 != 1) ? total.subtractingReportingOverflow(term) : total.addingReportingOverflow(term)
            if o4 { return nil }
            total = t
            sawAny = true
        }
        return sawAny ? total : nil
    }

    private static func isLeap(_ y: Int) -> Bool { (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 }

    private static func daysInMonth(_ y: Int, _ m: Int) -> Int {
        switch m {
        case 2: isLeap(y) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days since 1970-01-01 for a proleptic Gregorian date.
    static func daysFromCivil(_ year: Int, _ month: Int, _ day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// `toDate()`: midnight of the same UTC day, nil on overflow.
    static func toDate(_ ms: Int64) -> Int64? {
        let rem = ((ms % dayMillis) + dayMillis) % dayMillis
        let (v, o) = ms.subtractingReportingOverflow(rem)
        return o ? nil : v
    }

    /// `toTime()`: milliseconds since the start of the UTC day.
    static func toTime(_ ms: Int64) -> Int64 {
        let rem = ms % dayMillis
        return rem < 0 ? rem + dayMillis : rem
    }
}
