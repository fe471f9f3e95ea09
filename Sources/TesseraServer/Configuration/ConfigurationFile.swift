import Foundation

/// `--config FILE` for the command line: a file of `option = value` lines (and bare `flag` lines), `#`
/// comments, expanded into the equivalent `--option value` arguments. Options given on the command line win
/// over the same option in the file. See packaging/tessera.conf for every option, documented.
public enum ConfigurationFile {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// `arguments` with every `--config FILE` (or `--config=FILE`) replaced by the file's options.
    public static func expand(_ arguments: [String]) throws -> [String] {
        var result: [String] = []
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            var path: String?
            if argument == "--config" {
                guard index + 1 < arguments.count else { throw Failure(description: "--config needs a file") }
                path = arguments[index + 1]
                index += 2
            } else if argument.hasPrefix("--config=") {
                path = String(argument.dropFirst("--config=".count))
                index += 1
            } else {
                result.append(argument)
                index += 1
                continue
            }
            guard let path else { continue }
            let given = Set(arguments.filter { $0.hasPrefix("--") }.map { $0.split(separator: "=", maxSplits: 1)[0] })
            for (option, value) in try parse(path: path) where !given.contains("--" + option) {
                result.append("--" + option)
                if let value { result.append(value) }
            }
        }
        return result
    }

    /// The `(option, value)` pairs of a configuration file, in order.
    public static func parse(path: String) throws -> [(String, String?)] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw Failure(description: "cannot read the configuration file \(path)")
        }
        return try parse(text: String(decoding: data, as: UTF8.self), source: path)
    }

    public static func parse(text: String, source: String) throws -> [(String, String?)] {
        var pairs: [(String, String?)] = []
        for (number, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let parts = line.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map {
                $0.trimmingCharacters(in: .whitespaces)
            }
            let name = parts[0]
            guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" }), name != "config" else {
                throw Failure(description: "\(source):\(number + 1): expected `option = value` or `flag`, got \(line.prefix(80))")
            }
            var value = parts.count == 2 ? parts[1] : nil
            if let quoted = value, quoted.count >= 2, quoted.hasPrefix("\""), quoted.hasSuffix("\"") {
                value = String(quoted.dropFirst().dropLast())
            }
            if parts.count == 2, value?.isEmpty == true {
                throw Failure(description: "\(source):\(number + 1): \(name) has an empty value")
            }
            pairs.append((name, value))
        }
        return pairs
    }
}
