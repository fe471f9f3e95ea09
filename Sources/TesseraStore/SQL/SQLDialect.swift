/// How one engine spells what the repositories write once.
///
/// Both engines take the same statements for everything else: `INSERT ... ON CONFLICT (...) DO UPDATE/NOTHING`
/// and `RETURNING` (SQLite 3.35+), epoch-second dates (`REAL` / `DOUBLE PRECISION`), integer counts. The
/// differences rendered here: placeholders (`?` / `$1`), flags (SQLite 0/1 integers, PostgreSQL booleans), list
/// conditions (`IN (?, ?)` / `= ANY($1)`), JSON field access, and row locks (PostgreSQL only).
public enum SQLDialect: String, Sendable {
    case sqlite
    case postgres

    /// The text with this engine's placeholders, and the values in placeholder order.
    public func render(_ sql: SQL) -> (text: String, values: [SQLValue]) {
        var text = ""
        var values: [SQLValue] = []
        render(sql.parts, into: &text, values: &values)
        return (text, values)
    }

    private func render(_ parts: [SQL.Part], into text: inout String, values: inout [SQLValue]) {
        for part in parts {
            switch part {
            case .text(let fragment):
                text += fragment
            case .value(let value):
                values.append(bound(value))
                text += placeholder(values.count)
            case .list(let items):
                switch self {
                case .sqlite:
                    text += "IN ("
                    for (index, item) in items.enumerated() {
                        values.append(.text(item))
                        text += (index == 0 ? "" : ", ") + placeholder(values.count)
                    }
                    text += ")"
                case .postgres:
                    values.append(.texts(items))
                    text += "= ANY(\(placeholder(values.count)))"
                }
            case .dialect(let sqlite, let postgres):
                render(self == .sqlite ? sqlite : postgres, into: &text, values: &values)
            }
        }
    }

    /// The placeholder of the `index`th value (1-based).
    func placeholder(_ index: Int) -> String { self == .sqlite ? "?" : "$\(index)" }

    /// A value as this engine stores it: SQLite keeps flags as integers.
    func bound(_ value: SQLValue) -> SQLValue {
        if self == .sqlite, case .bool(let flag) = value { return .int(flag ? 1 : 0) }
        return value
    }
}
