/// The single error type of the TesseraPolicy module.
///
/// Every failure (parsing, JSON, schema, entities, requests, evaluation, validation, limits)
/// carries a machine-readable `code`, a human-readable `reason`, and where known the
/// source position (`line`/`column`, 1-based) or a JSON path.
public struct CedarError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The category of the failure.
    public enum Code: String, Sendable, Equatable {
        case parse, json, entities, schema, request, evaluation, validation, limit, link, io, conformance
    }

    /// What kind of failure this is.
    public let code: Code
    /// A human-readable explanation.
    public let reason: String
    /// 1-based line in the source text, if known.
    public let line: Int?
    /// 1-based column in the source text, if known.
    public let column: Int?
    /// A JSON path such as `$[3].attrs.owner`, if the input was JSON.
    public let path: String?
    /// The file or source name the position refers to, if known.
    public let source: String?

    /// Creates an error.
    public init(
        _ code: Code, _ reason: String, line: Int? = nil, column: Int? = nil, path: String? = nil, source: String? = nil
    ) {
        self.code = code
        self.reason = reason
        self.line = line
        self.column = column
        self.path = path
        self.source = source
    }

    /// The same error, attributed to the named source (e.g. a policy file name).
    public func located(in source: String) -> CedarError {
        CedarError(code, reason, line: line, column: column, path: path, source: source)
    }

    /// Creates an error located at a source position.
    init(_ code: Code, _ reason: String, at location: SourceLocation) {
        self.init(code, reason, line: location.line, column: location.column)
    }

    public var description: String {
        var prefix = "\(code.rawValue) error"
        if let source { prefix += " in \(source)" }
        if let line, let column { prefix += " at \(line):\(column)" }
        if let path { prefix += " at \(path)" }
        return "\(prefix): \(reason)"
    }
}

/// Size and depth limits that keep hostile input from exhausting the process.
public enum CedarLimits {
    /// Maximum depth of expression trees (nesting, operators, member accesses), JSON values and schema types.
    public static let maxDepth = 200
    /// Maximum number of operands in one `&&` or `||` chain (chains are flat nodes, not nesting).
    public static let maxChainLength = 10_000
    /// Maximum total number of (entity, ancestor) pairs in an entity store's hierarchy closure.
    public static let maxAncestorEntries = 5_000_000
    /// Maximum size in bytes of one policy, schema, entities or request document.
    public static let maxInputBytes = 64 * 1024 * 1024
}
