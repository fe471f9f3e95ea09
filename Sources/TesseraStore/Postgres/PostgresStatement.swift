import PostgresNIO

/// A statement assembled at run time (optional filters, IN lists): SQL text made only of fixed fragments,
/// every value bound as a numbered parameter. `bind` returns the placeholder to write into the text.
struct PostgresStatement {
    private(set) var binds = PostgresBindings()
    private var count = 0

    /// Binds `value` and returns its placeholder (`$1`, `$2`, ...).
    mutating func bind<Value: PostgresDynamicTypeEncodable>(_ value: Value) -> String {
        binds.append(value)
        count += 1
        return "$\(count)"
    }

    /// The query with `sql` as its text.
    func query(_ sql: String) -> PostgresQuery { PostgresQuery(unsafeSQL: sql, binds: binds) }

    /// `WHERE a AND b ...`, or nothing without conditions.
    static func whereClause(_ conditions: [String]) -> String {
        conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
    }
}
