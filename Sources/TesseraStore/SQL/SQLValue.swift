import Foundation

/// A value bound to a statement or read from a row, in the few storage classes both engines share.
///
/// Dates are epoch seconds (`double`) and flags are `bool` (SQLite stores them as 0/1 integers); `texts` is a
/// list for `IN (...)` / `= ANY(...)` conditions.
public enum SQLValue: Sendable, Equatable {
    case null
    case int(Int64)
    case double(Double)
    case text(String)
    case bytes(Data)
    case bool(Bool)
    case texts([String])
}

/// A Swift value that binds as one `SQLValue`.
public protocol SQLBindable: Sendable {
    var sqlValue: SQLValue { get }
}

extension String: SQLBindable {
    public var sqlValue: SQLValue { .text(self) }
}

extension Int: SQLBindable {
    public var sqlValue: SQLValue { .int(Int64(self)) }
}

extension Int64: SQLBindable {
    public var sqlValue: SQLValue { .int(self) }
}

extension Double: SQLBindable {
    public var sqlValue: SQLValue { .double(self) }
}

extension Bool: SQLBindable {
    public var sqlValue: SQLValue { .bool(self) }
}

extension Data: SQLBindable {
    public var sqlValue: SQLValue { .bytes(self) }
}

/// Dates are stored as epoch seconds on both engines.
extension Date: SQLBindable {
    public var sqlValue: SQLValue { .double(timeIntervalSince1970) }
}

extension Optional: SQLBindable where Wrapped: SQLBindable {
    public var sqlValue: SQLValue { self?.sqlValue ?? .null }
}

extension SQLValue {
    /// Refuses a string with a NUL before it is bound: SQLite binds a C string and would store it cut at the NUL
    /// (a replay key cut short is a different key), PostgreSQL refuses it mid-transaction. Both engines answer alike.
    static func checkStorable(_ values: [SQLValue]) throws(StoreError) {
        for value in values {
            switch value {
            case .text(let text) where text.utf8.contains(0):
                throw StoreError(.invalidValue, "a text value contains a NUL character")
            case .texts(let list) where list.contains(where: { $0.utf8.contains(0) }):
                throw StoreError(.invalidValue, "a text value contains a NUL character")
            default: continue
            }
        }
    }
}
