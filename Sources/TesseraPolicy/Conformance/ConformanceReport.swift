/// Results of running a folder of conformance tests.
public struct ConformanceReport: Sendable {
    /// The outcome of one check: a request, or a file's `shouldValidate` expectation.
    public struct Check: Sendable {
        /// Test file path relative to the root.
        public let file: String
        /// Category: the folder under `tests/`, or `corpus`.
        public let category: String
        /// Request description, or `shouldValidate` for the validation check.
        public let name: String
        /// Whether it is a validation check rather than a request.
        public let isValidation: Bool
        /// Failure explanation, nil when passed.
        public let failure: String?

        /// Whether it passed.
        public var passed: Bool { failure == nil }
    }

    /// Every check in run order.
    public let checks: [Check]

    /// Requests that passed (a request counts as one; a test file that cannot be loaded counts as one failure).
    public var passed: Int { checks.count { !$0.isValidation && $0.passed } }
    /// Requests that failed.
    public var failed: Int { checks.count { !$0.isValidation && !$0.passed } }
    /// Test files whose `shouldValidate` matched the validator.
    public var validationsPassed: Int { checks.count { $0.isValidation && $0.passed } }
    /// Test files whose `shouldValidate` did not match the validator.
    public var validationsFailed: Int { checks.count { $0.isValidation && !$0.passed } }
    /// True when every request and every `shouldValidate` expectation passed (use it for the exit status).
    public var allPassed: Bool { checks.allSatisfy(\.passed) }

    /// The failed checks (requests and validation expectations), in run order.
    public var failures: [Check] { checks.filter { !$0.passed } }

    /// Per category: (requests passed, requests total, validations passed, validations total).
    public var byCategory: [(category: String, requestsPassed: Int, requests: Int, validationsPassed: Int, validations: Int)] {
        var order: [String] = []
        var acc: [String: (Int, Int, Int, Int)] = [:]
        for c in checks {
            if acc[c.category] == nil {
                order.append(c.category)
                acc[c.category] = (0, 0, 0, 0)
            }
            var a = acc[c.category]!
            if c.isValidation {
                a.3 += 1
                if c.passed { a.2 += 1 }
            } else {
                a.1 += 1
                if c.passed { a.0 += 1 }
            }
            acc[c.category] = a
        }
        return order.sorted().map {
            (
                category: $0, requestsPassed: acc[$0]!.0, requests: acc[$0]!.1, validationsPassed: acc[$0]!.2,
                validations: acc[$0]!.3
            )
        }
    }

    /// A human-readable summary: one line per category, one for `shouldValidate`, and a last line
    /// `N passed, M failed` counting requests.
    public var summary: String {
        var lines: [String] = []
        for c in byCategory {
            let rp = c.requests == 0 ? 100.0 : Double(c.requestsPassed) * 100 / Double(c.requests)
            let vp = c.validations == 0 ? 100.0 : Double(c.validationsPassed) * 100 / Double(c.validations)
            let requests = "requests \(c.requestsPassed)/\(c.requests) (\(Self.percent(rp)))"
            let validation = "validation \(c.validationsPassed)/\(c.validations) (\(Self.percent(vp)))"
            lines.append("\(c.category): \(requests), \(validation)")
        }
        lines.append("shouldValidate: \(validationsPassed) passed, \(validationsFailed) failed")
        lines.append("\(passed) passed, \(failed) failed")
        return lines.joined(separator: "\n")
    }

    private static func percent(_ v: Double) -> String {
        let scaled = Int((v * 100).rounded())
        let frac = scaled % 100
        return "\(scaled / 100).\(frac < 10 ? "0" : "")\(frac)%"
    }
}
