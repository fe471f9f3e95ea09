import Foundation

/// The fields of an audit record body that posture reads, decoded without the general `AuditValue` machinery
/// (the digest decodes millions of these). Unknown or differently typed details are ignored.
struct PostureRecordView: Decodable {
    struct Details: Decodable {
        let scope: [String]?
        let source: String?
        let aud: String?
        let exp: Int64?
        let act: [String]?

        enum CodingKeys: String, CodingKey { case scope, source, aud, exp, act }

        init(scope: [String]?, source: String?, aud: String?, exp: Int64?, act: [String]?) {
            self.scope = scope
            self.source = source
            self.aud = aud
            self.exp = exp
            self.act = act
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            scope = try? container.decodeIfPresent([String].self, forKey: .scope)
            source = try? container.decodeIfPresent(String.self, forKey: .source)
            aud = try? container.decodeIfPresent(String.self, forKey: .aud)
            exp = try? container.decodeIfPresent(Int64.self, forKey: .exp)
            act = try? container.decodeIfPresent([String].self, forKey: .act)
        }
    }

    let seq: Int64
    let time: String
    let type: String
    let subject: String?
    let details: Details

    init(seq: Int64, time: String, type: String, subject: String?, details: Details) {
        self.seq = seq
        self.time = time
        self.type = type
        self.subject = subject
        self.details = details
    }

    /// Parses the audit log's own timestamp format (`2026-01-02T03:04:05Z`, optionally `.123`) without a
    /// formatter; falls back to `nil` for anything else.
    static func parseTime(_ text: String) -> Date? {
        let bytes = Array(text.utf8)
        guard bytes.count == 20 || bytes.count == 24, bytes[4] == 45, bytes[7] == 45, bytes[10] == 84, bytes[13] == 58,
            bytes[16] == 58, bytes.last == 90
        else { return nil }
        func number(_ from: Int, _ count: Int) -> Int? {
            var value = 0
            for index in from..<(from + count) {
                let digit = Int(bytes[index]) - 48
                guard (0...9).contains(digit) else { return nil }
                value = value * 10 + digit
            }
            return value
        }
        guard let year = number(0, 4), let month = number(5, 2), let day = number(8, 2), let hour = number(11, 2),
            let minute = number(14, 2), let second = number(17, 2), (1...12).contains(month), (1...31).contains(day)
        else { return nil }
        var millis = 0
        if bytes.count == 24 {
            guard bytes[19] == 46, let fraction = number(20, 3) else { return nil }
            millis = fraction
        }
        // Days from civil (Howard Hinnant).
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        let days = era * 146_097 + dayOfEra - 719_468
        let seconds = Double(days * 86_400 + hour * 3600 + minute * 60 + second) + Double(millis) / 1000
        return Date(timeIntervalSince1970: seconds)
    }
}
