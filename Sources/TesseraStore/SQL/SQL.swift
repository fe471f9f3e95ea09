/// One statement: SQL text with `?` placeholders and the values bound to them, built by interpolation.
///
/// `"SELECT * FROM tasks WHERE id = \(id)"` binds `id`; `\(raw: "ORDER BY id")` inserts trusted text;
/// `\(other)` splices another `SQL` with its values; `\(in: names)` is a list condition. Fragments whose
/// spelling differs between engines (`SQL.json`, `SQL.startsWith`, `SQL.lockRows`) are rendered by the
/// executor's `SQLDialect`, so a repository is written once for both.
public struct SQL: Sendable, Equatable, ExpressibleByStringInterpolation, CustomStringConvertible {
    indirect enum Part: Sendable, Equatable {
        case text(String)
        case value(SQLValue)
        /// `IN (?, ?, ...)` on SQLite, `= ANY($n)` on PostgreSQL.
        case list([String])
        /// Text that differs between engines.
        case dialect(sqlite: [Part], postgres: [Part])
    }

    private(set) var parts: [Part]

    init(parts: [Part]) { self.parts = parts }

    public init(stringLiteral value: String) { parts = [.text(value)] }

    public init(stringInterpolation: StringInterpolation) { parts = stringInterpolation.parts }

    /// Trusted SQL text (never a value from a request).
    public init(raw text: String) { parts = [.text(text)] }

    /// Builds statements from literal text and bound values.
    public struct StringInterpolation: StringInterpolationProtocol {
        var parts: [Part] = []

        public init(literalCapacity: Int, interpolationCount: Int) {}

        public mutating func appendLiteral(_ literal: String) { parts.append(.text(literal)) }

        /// Binds `value` (a placeholder in the text).
        public mutating func appendInterpolation(_ value: some SQLBindable) { parts.append(.value(value.sqlValue)) }

        /// Binds `value`, or NULL.
        public mutating func appendInterpolation<Value: SQLBindable>(_ value: Value?) { parts.append(.value(value.sqlValue)) }

        /// Inserts trusted text: a column name, a constant fragment. Never a value from a request.
        public mutating func appendInterpolation(raw text: String) { parts.append(.text(text)) }

        /// Splices another statement fragment with its bound values.
        public mutating func appendInterpolation(_ fragment: SQL) { parts.append(contentsOf: fragment.parts) }

        /// A list condition on the preceding expression: `kind \(in: kinds)`.
        public mutating func appendInterpolation(in values: [String]) { parts.append(.list(values)) }
    }

    /// Appends `other` (with its values).
    public static func + (lhs: SQL, rhs: SQL) -> SQL { SQL(parts: lhs.parts + rhs.parts) }

    /// `WHERE a AND b ...`, or nothing without conditions.
    public static func whereClause(_ conditions: [SQL]) -> SQL {
        var parts: [Part] = []
        for (index, condition) in conditions.enumerated() {
            parts.append(.text(index == 0 ? "WHERE " : " AND "))
            parts.append(contentsOf: condition.parts)
        }
        return SQL(parts: parts)
    }

    /// The text as SQLite reads it (`?` placeholders) — for logs and tests; it never holds a bound value.
    public var description: String { SQLDialect.sqlite.render(self).text }
}
