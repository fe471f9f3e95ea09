import Foundation

/// RFC 3339 timestamps in UTC, used in every API and log.
public enum ISO8601 {
    /// Formats `date` as `2026-01-02T03:04:05Z` (fractional seconds when present).
    public static func format(_ date: Date) -> String {
        let seconds = date.timeIntervalSince1970
        if seconds == seconds.rounded(.down) {
            return date.formatted(.iso8601)
        }
        return date.formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true))
    }

    /// Parses an RFC 3339 timestamp with or without fractional seconds, or a bare `YYYY-MM-DD` (midnight UTC).
    public static func parse(_ string: String) -> Date? {
        if let date = try? Date(string, strategy: .iso8601) { return date }
        if let date = try? Date(
            string, strategy: Date.ISO8601FormatStyle().year().month().day().time(includingFractionalSeconds: true))
        {
            return date
        }
        if string.utf8.count == 10, let date = try? Date(string, strategy: Date.ISO8601FormatStyle().year().month().day())
        {
            return date
        }
        return nil
    }
}
