import Foundation

/// RFC 3339 timestamps in UTC, used in every API and log.
public enum ISO8601 {
    private static let whole = Date.ISO8601FormatStyle()
    private static let fractional = Date.ISO8601FormatStyle(includingFractionalSeconds: true)

    /// Formats `date` as `2026-01-02T03:04:05Z`, with milliseconds when the date has a fraction.
    public static func format(_ date: Date) -> String {
        let interval = date.timeIntervalSince1970
        let whole = interval.rounded(.down)
        guard whole >= 0, whole < 253_402_300_800 else {
            return interval == whole ? self.whole.format(date) : fractional.format(date)
        }
        // Civil-from-days (Howard Hinnant's algorithm): the audit log formats a time per record.
        let seconds = Int64(whole)
        let days = seconds / 86_400
        let secondOfDay = Int(seconds % 86_400)
        let z = days + 719_468
        let era = z / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = Int(dayOfYear - (153 * mp + 2) / 5 + 1)
        let month = Int(mp < 10 ? mp + 3 : mp - 9)
        let year = Int(yearOfEra + era * 400 + (month <= 2 ? 1 : 0))
        var text =
            pad(year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2) + "T" + pad(secondOfDay / 3600, 2) + ":"
            + pad(secondOfDay / 60 % 60, 2) + ":" + pad(secondOfDay % 60, 2)
        if interval != whole {
            text += "." + pad(min(999, Int(((interval - whole) * 1000).rounded())), 3)
        }
        return text + "Z"
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }

    /// Parses an RFC 3339 timestamp with or without fractional seconds, or a bare `YYYY-MM-DD` (midnight UTC).
    public static func parse(_ string: String) -> Date? {
        guard string.utf8.count <= 64 else { return nil }
        if let date = try? whole.parse(string) { return date }
        if let date = try? fractional.parse(string) { return date }
        if string.utf8.count == 10, let date = try? Date.ISO8601FormatStyle().year().month().day().parse(string) {
            return date
        }
        return nil
    }
}
