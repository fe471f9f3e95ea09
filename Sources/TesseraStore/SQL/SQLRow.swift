import Foundation

/// A row read by an `SQLExecutor`. Every typed accessor throws `StoreError(.corrupted)` naming the column when
/// the row lacks it or it holds another type (or NULL where a value is required), on both engines alike.
public protocol SQLRow: Sendable {
    /// The raw value of `column`; throws `corrupted` when the row has no such column.
    func value(_ column: String) throws -> SQLValue
}

extension SQLRow {
    public func string(_ column: String) throws -> String { try required(optionalString(column), column) }

    public func optionalString(_ column: String) throws -> String? {
        switch try value(column) {
        case .null: return nil
        case .text(let text): return text
        default: throw Self.mismatch(column, "text")
        }
    }

    public func int(_ column: String) throws -> Int { Int(try int64(column)) }

    public func optionalInt(_ column: String) throws -> Int? { try optionalInt64(column).map { Int($0) } }

    public func int64(_ column: String) throws -> Int64 { try required(optionalInt64(column), column) }

    public func optionalInt64(_ column: String) throws -> Int64? {
        switch try value(column) {
        case .null: return nil
        case .int(let number): return number
        default: throw Self.mismatch(column, "integer")
        }
    }

    public func double(_ column: String) throws -> Double { try required(optionalDouble(column), column) }

    /// A real number; an integer reads as one too (SQLite may store a whole `REAL` value as an integer).
    public func optionalDouble(_ column: String) throws -> Double? {
        switch try value(column) {
        case .null: return nil
        case .double(let number): return number
        case .int(let number): return Double(number)
        default: throw Self.mismatch(column, "real number")
        }
    }

    /// A flag: a boolean (PostgreSQL) or 0/1 (SQLite).
    public func bool(_ column: String) throws -> Bool {
        switch try value(column) {
        case .bool(let flag): return flag
        case .int(0): return false
        case .int(1): return true
        default: throw Self.mismatch(column, "flag")
        }
    }

    /// A date stored as epoch seconds.
    public func date(_ column: String) throws -> Date { Date(timeIntervalSince1970: try double(column)) }

    public func optionalDate(_ column: String) throws -> Date? {
        try optionalDouble(column).map(Date.init(timeIntervalSince1970:))
    }

    public func bytes(_ column: String) throws -> Data { try required(optionalBytes(column), column) }

    public func optionalBytes(_ column: String) throws -> Data? {
        switch try value(column) {
        case .null: return nil
        case .bytes(let data): return data
        default: throw Self.mismatch(column, "byte string")
        }
    }

    /// A stored code (`kind`, `state`, ...) as `T`; `corrupted` for a code this version does not know.
    public func code<T: RawRepresentable>(_ column: String, as type: T.Type = T.self) throws -> T where T.RawValue == String {
        guard let code = T(rawValue: try string(column)) else {
            throw StoreError(.corrupted, "the column \(column) holds an unknown \(T.self)")
        }
        return code
    }

    static func missing(_ column: String) -> StoreError { StoreError(.corrupted, "a row lacks the column \(column)") }

    /// `value`, or `corrupted` when the column held NULL.
    private func required<Value>(_ value: Value?, _ column: String) throws -> Value {
        guard let value else { throw StoreError(.corrupted, "the column \(column) is NULL") }
        return value
    }

    private static func mismatch(_ column: String, _ expected: String) -> StoreError {
        StoreError(.corrupted, "the column \(column) does not hold a \(expected)")
    }
}
