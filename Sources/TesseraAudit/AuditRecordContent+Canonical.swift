import TesseraCore

extension AuditRecordContent {
    /// The canonical body: keys in lexicographic order, absent optionals omitted, no whitespace.
    /// Written by hand because the audit append sits on the token hot path; `content()` reads it back with
    /// `JSONDecoder`, and verification hashes the stored bytes, so only this writer defines the format.
    func canonicalJSON() -> String {
        var json = JSONWriter()
        if let actor { json.field("actor", actor) }
        if let chain { json.field("chain", chain) }
        var details = JSONWriter()
        for key in self.details.keys.sorted() {
            switch self.details[key]! {
            case .string(let value): details.field(key, value)
            case .int(let value): details.field(key, Int(value))
            case .bool(let value): details.field(key, value)
            case .strings(let value): details.field(key, value)
            }
        }
        json.rawField("details", json: String(decoding: details.finish(), as: UTF8.self))
        if let key { json.field("key", key) }
        json.field("outcome", outcome.rawValue)
        json.field("prev", prev)
        if let reason { json.field("reason", reason) }
        json.field("seq", Int(seq))
        if let subject { json.field("subject", subject) }
        if let task { json.field("task", task) }
        json.field("time", time)
        json.field("type", type)
        if let writer { json.field("writer", writer) }
        return String(decoding: json.finish(), as: UTF8.self)
    }
}
