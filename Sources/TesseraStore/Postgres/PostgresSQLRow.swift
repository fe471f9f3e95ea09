import Foundation
import PostgresNIO

/// A row read from PostgreSQL as `SQLValue`s: each column by its PostgreSQL type (integers, reals, booleans,
/// byte strings; text for the rest). A column whose bytes do not decode is `corrupted`.
struct PostgresSQLRow: SQLRow {
    let row: PostgresRandomAccessRow

    init(_ row: PostgresRow) { self.row = row.makeRandomAccess() }

    func value(_ column: String) throws -> SQLValue {
        guard row.contains(column) else { throw Self.missing(column) }
        let cell = row[column]
        guard cell.bytes != nil else { return .null }
        do {
            switch cell.dataType {
            case .int2, .int4, .int8: return .int(try cell.decode(Int64.self))
            case .float4, .float8: return .double(try cell.decode(Double.self))
            case .bool: return .bool(try cell.decode(Bool.self))
            case .bytea: return .bytes(Data(try cell.decode(ByteBuffer.self).readableBytesView))
            default: return .text(try cell.decode(String.self))
            }
        } catch {
            throw StoreError(.corrupted, "the column \(column) cannot be read as \(cell.dataType)")
        }
    }
}
