import Foundation

/// A one-pass reader for audit record bodies (canonical JSON written by `AuditRecord.make`): fills a `RawRecord`
/// with spans into the bytes. Returns `false` on anything it does not fully understand (escapes, unexpected
/// shapes); the caller then decodes the record with `JSONDecoder` (`PostureRecordView`), so this is only ever a
/// fast path.
struct RawRecordParser {
    private let base: UnsafeRawPointer
    private let end: Int
    private var index = 0

    private init(_ bytes: UnsafeRawBufferPointer) {
        base = bytes.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!
        end = bytes.count
    }

    static func parse(_ bytes: UnsafeRawBufferPointer, into record: inout RawRecord) -> Bool {
        record.reset()
        var parser = RawRecordParser(bytes)
        return parser.record(&record)
    }

    private func at(_ offset: Int) -> UInt8 { base.load(fromByteOffset: offset, as: UInt8.self) }

    private func key(_ span: Span, _ literal: StaticString) -> Bool {
        Int(span.count) == literal.utf8CodeUnitCount && memcmp(base + Int(span.start), literal.utf8Start, Int(span.count)) == 0
    }

    private mutating func record(_ record: inout RawRecord) -> Bool {
        var sawSeq = false
        guard take(123) else { return false }
        while true {
            guard let name = string(), take(58) else { return false }
            if key(name, "details") {
                guard details(&record) else { return false }
            } else if key(name, "seq") {
                guard let n = number() else { return false }
                record.seq = n
                sawSeq = true
            } else if key(name, "time") {
                guard let s = string(), let time = RawRecord.parseTime(base + Int(s.start), Int(s.count)) else { return false }
                record.time = time
            } else if key(name, "type") {
                guard let s = string() else { return false }
                record.kind = RawRecord.kind(base + Int(s.start), Int(s.count))
            } else if key(name, "subject") {
                guard let s = string() else { return false }
                record.subject = s
            } else if key(name, "task") {
                guard let s = string() else { return false }
                record.task = s
            } else {
                guard skipValue() else { return false }
            }
            if take(44) { continue }
            guard take(125) else { return false }
            break
        }
        return sawSeq && !record.time.isNaN
    }

    private mutating func details(_ record: inout RawRecord) -> Bool {
        guard take(123) else { return false }
        if take(125) { return true }
        while true {
            guard let name = string(), take(58) else { return false }
            if key(name, "scope") {
                guard list(&record.scopes) else { return false }
            } else if key(name, "act") {
                guard list(&record.act) else { return false }
            } else if key(name, "act_chain") {
                guard list(&record.actChain) else { return false }
            } else if key(name, "source") {
                guard let s = string() else { return false }
                record.source = s
            } else if key(name, "aud") {
                guard let s = string() else { return false }
                record.aud = s
            } else if key(name, "subject_token_jti") {
                guard let s = string() else { return false }
                record.subjectTokenJTI = s
            } else if key(name, "exception") {
                guard let s = string() else { return false }
                record.exception = s
            } else if key(name, "exception_out_of_scope") {
                guard let s = string() else { return false }
                record.exceptionOutOfScope = s
            } else if key(name, "policy_version") {
                guard let s = string() else { return false }
                record.policyVersion = s
            } else if key(name, "exp") {
                guard let n = number() else { return false }
                record.exp = n
            } else if key(name, "exception_expires") {
                guard let n = number() else { return false }
                record.exceptionExpires = n
            } else if key(name, "lag") {
                guard let n = number() else { return false }
                record.lag = n
            } else if key(name, "maximum_lag") {
                guard let n = number() else { return false }
                record.maximumLag = n
            } else {
                guard skipValue() else { return false }
            }
            if take(44) { continue }
            return take(125)
        }
    }

    private mutating func take(_ byte: UInt8) -> Bool {
        guard index < end, at(index) == byte else { return false }
        index += 1
        return true
    }

    private mutating func list(_ spans: inout [Span]) -> Bool {
        guard take(91) else { return false }
        if take(93) { return true }
        while true {
            guard let item = string() else { return false }
            spans.append(item)
            if take(44) { continue }
            return take(93)
        }
    }

    private mutating func skipValue() -> Bool {
        guard index < end else { return false }
        switch at(index) {
        case 34: return string() != nil
        case 91:
            var ignored: [Span] = []
            return list(&ignored)
        case 110, 116:
            guard index + 4 <= end else { return false }
            index += 4
            return true
        case 102:
            guard index + 5 <= end else { return false }
            index += 5
            return true
        case 45, 48...57: return number() != nil
        default: return false
        }
    }

    private mutating func number() -> Int64? {
        var negative = false
        if take(45) { negative = true }
        var value: Int64 = 0
        var digits = 0
        while index < end, at(index) >= 48, at(index) <= 57, digits < 18 {
            value = value * 10 + Int64(at(index) - 48)
            index += 1
            digits += 1
        }
        guard digits > 0, index < end else { return nil }
        let next = at(index)
        guard next != 46, next != 101, next != 69, !(next >= 48 && next <= 57) else { return nil }
        return negative ? -value : value
    }

    /// A string without escapes (any backslash sends the caller to the full decoder).
    private mutating func string() -> Span? {
        guard take(34) else { return nil }
        let start = index
        while index < end {
            let byte = at(index)
            if byte == 92 { return nil }
            if byte == 34 {
                let span = Span(start: Int32(start), count: Int32(index - start))
                index += 1
                return span
            }
            index += 1
        }
        return nil
    }
}
