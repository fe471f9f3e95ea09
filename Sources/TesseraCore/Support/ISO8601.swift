import Foundation

/// RFC 3339 timestamps in UTC, used in every API and log.
public enum ISO8601 {
    private static let whole = Date.ISO8601FormatStyle()
    private static let fractional = Date.ISO8601FormatStyle(includingFractionalSeconds: true)

    /// Formats `date` as `2026-01-02T03:04:05Z`, with milliseconds when the date has a fraction.
    public static func format(_ date: Date) -> String {
        let seconds = date.timeIntervalSince1970
        return seconds == seconds.rounded(.down) ? whole.format(date) : fractional.format(date)
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
