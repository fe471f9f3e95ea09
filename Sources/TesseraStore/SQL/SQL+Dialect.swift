extension SQL {
    /// The text of JSON field `key` of the column `column` (an identifier, never a request value). The spelling
    /// must match the expression indexes of the migrations exactly.
    public static func json(_ column: String, _ key: String) -> SQL {
        SQL(parts: [
            .dialect(
                sqlite: [.text("json_extract(\(column), '$.\(key)')")],
                postgres: [.text("((\(column)::jsonb) ->> '\(key)')")])
        ])
    }

    /// Whether `expression` starts with `prefix`, counted in characters on both engines.
    public static func startsWith(_ expression: SQL, _ prefix: String) -> SQL {
        SQL(parts: [
            .dialect(
                sqlite: [.text("substr(")] + expression.parts + [
                    .text(", 1, length("), .value(.text(prefix)), .text(")) = "), .value(.text(prefix)),
                ],
                postgres: [.text("starts_with(")] + expression.parts + [.text(", "), .value(.text(prefix)), .text(")")])
        ])
    }

    /// Whether `text` occurs in `expression` (byte for byte; no pattern characters on either engine).
    public static func contains(_ expression: SQL, _ text: String) -> SQL {
        SQL(parts: [
            .dialect(
                sqlite: [.text("instr(")] + expression.parts + [.text(", "), .value(.text(text)), .text(") > 0")],
                postgres: [.text("strpos(")] + expression.parts + [.text(", "), .value(.text(text)), .text(") > 0")])
        ])
    }

    /// Locks the selected rows until the transaction ends (`FOR UPDATE`, optionally skipping rows another
    /// transaction holds) on PostgreSQL; nothing on SQLite, whose single writer already excludes the others.
    public static func lockRows(skipLocked: Bool = false) -> SQL {
        SQL(parts: [.dialect(sqlite: [], postgres: [.text(skipLocked ? " FOR UPDATE SKIP LOCKED" : " FOR UPDATE")])])
    }
}
