import Foundation
import GRDB

/// A row read from SQLite, copied out of GRDB's cursor into `SQLValue`s (so it outlives the statement and its
/// accessors throw instead of trapping on a value of the wrong type).
struct SQLiteRow: SQLRow {
    /// The statement's column positions, shared by every row it returned.
    final class Columns: Sendable {
        let positions: [String: Int]

        init(_ names: [String]) {
            var positions: [String: Int] = [:]
            for (index, name) in names.enumerated() where positions[name] == nil { positions[name] = index }
            self.positions = positions
        }
    }

    let columns: Columns
    let values: [SQLValue]

    init(columns: Columns, row: Row) {
        self.columns = columns
        values = row.databaseValues.map { value in
            switch value.storage {
            case .null: .null
            case .int64(let number): .int(number)
            case .double(let number): .double(number)
            case .string(let text): .text(text)
            case .blob(let data): .bytes(data)
            }
        }
    }

    func value(_ column: String) throws -> SQLValue {
        guard let index = columns.positions[column] else { throw Self.missing(column) }
        return values[index]
    }
}
