import Foundation

/// Terminal output helpers: tables for people, JSON for scripts, errors on stderr.
enum Output {
    static func table(_ headers: [String], _ rows: [[String]]) -> String {
        var widths = headers.map(\.count)
        for row in rows {
            for (index, cell) in row.enumerated() where index < widths.count { widths[index] = max(widths[index], cell.count) }
        }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { index, cell in
                index == cells.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }
        return ([line(headers)] + rows.map(line)).joined(separator: "\n")
    }

    static func error(_ message: String) {
        FileHandle.standardError.write(Data(("error: " + message + "\n").utf8))
    }

    static func note(_ message: String) {
        FileHandle.standardError.write(Data((message + "\n").utf8))
    }

    /// A JSON object as `key  value` lines for people, or pretty JSON for scripts.
    static func printObject(_ data: Data, json: Bool) {
        if json {
            print(prettyJSON(data))
            return
        }
        let object = (try? JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:]
        let width = (object.keys.map(\.count).max() ?? 0) + 2
        for key in object.keys.sorted() {
            guard let value = object[key], !(value is NSNull) else { continue }
            let text = (value as? [String])?.joined(separator: ",") ?? "\(value)"
            print(key.padding(toLength: width, withPad: " ", startingAt: 0) + text)
        }
    }

    /// Pretty JSON for `--json` output.
    static func prettyJSON(_ data: Data) -> String {
        guard let object = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]),
            let pretty = try? JSONSerialization.data(
                withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes, .fragmentsAllowed])
        else { return String(decoding: data, as: UTF8.self) }
        return String(decoding: pretty, as: UTF8.self)
    }
}

extension Output {
    /// The outcome of a command that changes something: `object` as JSON on stdout with `--json`, else `note` on
    /// stderr (so scripts read the same answer every command gives).
    static func done(_ object: [String: Any], json: Bool, note: String) {
        if json, let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) {
            print(String(decoding: data, as: UTF8.self))
        } else {
            Output.note(note)
        }
    }
}

/// A failure already explained to the user; exits non-zero without a stack of messages.
struct CommandFailure: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
