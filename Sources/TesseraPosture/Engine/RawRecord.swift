import Foundation
import TesseraAudit

/// A byte range inside a record body (or the fallback's scratch buffer); `count < 0` means absent.
struct Span: Equatable {
    var start: Int32 = 0
    var count: Int32 = -1

    var isPresent: Bool { count >= 0 }
}

/// What kind of record it is, as far as posture cares.
enum RecordKind: UInt8 {
    case other
    /// `token.issued` (exchanges included) and `svid.jwt.issued`.
    case issued
    /// `token.refused`, `svid.jwt.refused`.
    case refused
    /// `exception.used`.
    case exceptionUsed
    /// `sink.lagging`: an audit sink fell past its bound (subject: the sink).
    case sinkLagging
    /// `sink.caught_up`: it is back under half the bound.
    case sinkCaughtUp
}

/// The fields of one audit record that the digest folds, as spans into the record's bytes: nothing is copied
/// or allocated per record (the span lists are reused).
struct RawRecord {
    var seq: Int64 = 0
    /// Seconds since 1970.
    var time: Double = .nan
    var kind = RecordKind.other
    var subject = Span()
    var task = Span()
    var source = Span()
    var aud = Span()
    var subjectTokenJTI = Span()
    var exception = Span()
    var exceptionOutOfScope = Span()
    /// `policy_version`: a refusal by a response hold names `response-rules` (Tessera held the identity; the
    /// identity did nothing new, so it is no refusal of its own).
    var policyVersion = Span()
    var exp: Int64?
    var exceptionExpires: Int64?
    /// `lag` and `maximum_lag` of a sink record.
    var lag: Int64?
    var maximumLag: Int64?
    var scopes: [Span] = []
    var act: [Span] = []
    var actChain: [Span] = []

    mutating func reset() {
        seq = 0
        time = .nan
        kind = .other
        subject = Span()
        task = Span()
        source = Span()
        aud = Span()
        subjectTokenJTI = Span()
        exception = Span()
        exceptionOutOfScope = Span()
        policyVersion = Span()
        exp = nil
        exceptionExpires = nil
        lag = nil
        maximumLag = nil
        scopes.removeAll(keepingCapacity: true)
        act.removeAll(keepingCapacity: true)
        actChain.removeAll(keepingCapacity: true)
    }

    /// The delegation chain: RFC 8693 exchanges record `act_chain`; older issuance records `act`.
    var chain: [Span] { actChain.isEmpty ? act : actChain }

    /// The record types the detectors tell apart, as bytes (compared in place on the hot path).
    private static let kinds: [(type: [UInt8], kind: RecordKind)] = [
        (Array(AuditEventType.tokenIssued.utf8), RecordKind.issued), (Array(AuditEventType.jwtSVIDIssued.utf8), .issued),
        (Array(AuditEventType.tokenRefused.utf8), .refused), (Array(AuditEventType.jwtSVIDRefused.utf8), .refused),
        (Array(AuditEventType.exceptionUsed.utf8), .exceptionUsed),
        (Array(AuditEventType.sinkLagging.utf8), .sinkLagging), (Array(AuditEventType.sinkCaughtUp.utf8), .sinkCaughtUp),
    ]

    static func kind(_ pointer: UnsafeRawPointer, _ count: Int) -> RecordKind {
        for candidate in kinds where candidate.type.count == count {
            if candidate.type.withUnsafeBytes({ memcmp($0.baseAddress!, pointer, count) }) == 0 { return candidate.kind }
        }
        return .other
    }

    /// Parses the audit log's timestamp format (`2026-01-02T03:04:05Z`, optionally `.123`) without a formatter.
    static func parseTime(_ p: UnsafeRawPointer, _ count: Int) -> Double? {
        func byte(_ index: Int) -> Int { Int(p.load(fromByteOffset: index, as: UInt8.self)) }
        guard count == 20 || count == 24, byte(4) == 45, byte(7) == 45, byte(10) == 84, byte(13) == 58, byte(16) == 58,
            byte(count - 1) == 90
        else { return nil }
        func number(_ from: Int, _ length: Int) -> Int? {
            var value = 0
            for index in from..<(from + length) {
                let digit = byte(index) - 48
                guard (0...9).contains(digit) else { return nil }
                value = value * 10 + digit
            }
            return value
        }
        guard let year = number(0, 4), let month = number(5, 2), let day = number(8, 2), let hour = number(11, 2),
            let minute = number(14, 2), let second = number(17, 2), (1...12).contains(month), (1...31).contains(day)
        else { return nil }
        var millis = 0
        if count == 24 {
            guard byte(19) == 46, let fraction = number(20, 3) else { return nil }
            millis = fraction
        }
        // Days from civil (Howard Hinnant).
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        let days = era * 146_097 + dayOfEra - 719_468
        return Double(days * 86_400 + hour * 3600 + minute * 60 + second) + Double(millis) / 1000
    }
}
