import Foundation

/// The fields of an audit record body that posture reads, decoded with `JSONDecoder`: the fallback for bodies
/// the fast `RawRecordParser` declines (escaped strings). Unknown or differently typed details are ignored.
struct PostureRecordView: Decodable {
    struct Details: Decodable {
        let scope: [String]?
        let source: String?
        let aud: String?
        let exp: Int64?
        let act: [String]?
        let actChain: [String]?
        let subjectTokenJTI: String?
        let exception: String?
        let exceptionOutOfScope: String?
        let policyVersion: String?
        let exceptionExpires: Int64?
        let lag: Int64?
        let maximumLag: Int64?

        enum CodingKeys: String, CodingKey {
            case scope, source, aud, exp, act
            case actChain = "act_chain"
            case subjectTokenJTI = "subject_token_jti"
            case exception
            case exceptionOutOfScope = "exception_out_of_scope"
            case policyVersion = "policy_version"
            case exceptionExpires = "exception_expires"
            case lag
            case maximumLag = "maximum_lag"
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            scope = try? container.decodeIfPresent([String].self, forKey: .scope)
            source = try? container.decodeIfPresent(String.self, forKey: .source)
            aud = try? container.decodeIfPresent(String.self, forKey: .aud)
            exp = try? container.decodeIfPresent(Int64.self, forKey: .exp)
            act = try? container.decodeIfPresent([String].self, forKey: .act)
            actChain = try? container.decodeIfPresent([String].self, forKey: .actChain)
            subjectTokenJTI = try? container.decodeIfPresent(String.self, forKey: .subjectTokenJTI)
            exception = try? container.decodeIfPresent(String.self, forKey: .exception)
            exceptionOutOfScope = try? container.decodeIfPresent(String.self, forKey: .exceptionOutOfScope)
            policyVersion = try? container.decodeIfPresent(String.self, forKey: .policyVersion)
            exceptionExpires = try? container.decodeIfPresent(Int64.self, forKey: .exceptionExpires)
            lag = try? container.decodeIfPresent(Int64.self, forKey: .lag)
            maximumLag = try? container.decodeIfPresent(Int64.self, forKey: .maximumLag)
        }
    }

    let seq: Int64
    let time: String
    let type: String
    let subject: String?
    let task: String?
    let details: Details

    /// Fills `record` with spans into `scratch`, which receives the strings' bytes.
    func fill(_ record: inout RawRecord, scratch: inout [UInt8]) -> Bool {
        record.reset()
        scratch.removeAll(keepingCapacity: true)
        func span(_ text: String?) -> Span {
            guard let text else { return Span() }
            let start = scratch.count
            scratch.append(contentsOf: text.utf8)
            return Span(start: Int32(start), count: Int32(scratch.count - start))
        }
        var timeBytes = Array(time.utf8)
        guard let parsed = timeBytes.withUnsafeMutableBytes({ RawRecord.parseTime($0.baseAddress!, $0.count) }) else {
            return false
        }
        var typeBytes = Array(type.utf8)
        record.kind = typeBytes.withUnsafeMutableBytes {
            RawRecord.kind($0.baseAddress ?? UnsafeMutableRawPointer(bitPattern: 1)!, $0.count)
        }
        record.seq = seq
        record.time = parsed
        record.subject = span(subject)
        record.task = span(task)
        record.source = span(details.source)
        record.aud = span(details.aud)
        record.subjectTokenJTI = span(details.subjectTokenJTI)
        record.exception = span(details.exception)
        record.exceptionOutOfScope = span(details.exceptionOutOfScope)
        record.policyVersion = span(details.policyVersion)
        record.exp = details.exp
        record.exceptionExpires = details.exceptionExpires
        record.lag = details.lag
        record.maximumLag = details.maximumLag
        for scope in details.scope ?? [] { record.scopes.append(span(scope)) }
        for actor in details.act ?? [] { record.act.append(span(actor)) }
        for actor in details.actChain ?? [] { record.actChain.append(span(actor)) }
        return true
    }
}
