// embed-files: writes a Swift file that compiles files in as string constants, so the server binary needs no
// resource bundle. Run by the EmbedFiles build-tool plugin at build time; never committed.
//
//     embed-files OUTPUT.swift Type.member=path [Type.member=path ...]
//
// For each `Type`, the output holds `extension Type { static let member = <the file's text> }`; `Type` itself is
// declared by hand in the target.
import Foundation

/// A raw string literal holding `text` exactly: enough `#`s that no `"""#…` inside ends it early.
func literal(_ text: String) -> String {
    var hashes = "#"
    while text.contains("\"\"\"" + hashes) || text.contains("\\" + hashes) { hashes += "#" }
    return hashes + "\"\"\"\n" + text + "\n\"\"\"" + hashes
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("embed-files: \(message)\n".utf8))
    exit(1)
}

let arguments = Array(CommandLine.arguments.dropFirst())
guard let output = arguments.first, arguments.count > 1 else {
    fail("usage: embed-files OUTPUT.swift Type.member=path ...")
}
var members: [String: [(name: String, path: String, text: String)]] = [:]
for argument in arguments.dropFirst() {
    guard let equals = argument.firstIndex(of: "="), let dot = argument[..<equals].firstIndex(of: ".") else {
        fail("expected Type.member=path, got \(argument)")
    }
    let type = String(argument[..<dot])
    let name = String(argument[argument.index(after: dot)..<equals])
    let path = String(argument[argument.index(after: equals)...])
    guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
        fail("cannot read \(path) as UTF-8")
    }
    members[type, default: []].append((name, path, text))
}
var swift = "// Generated at build time by the EmbedFiles plugin (Tools/embed-files). Not committed.\n"
for type in members.keys.sorted() {
    swift += "\nextension \(type) {\n"
    for member in members[type]! {
        swift += "    /// `\((member.path as NSString).lastPathComponent)`\n"
        swift += "    static let \(member.name) = \(literal(member.text))\n"
    }
    swift += "}\n"
}
do {
    try Data(swift.utf8).write(to: URL(fileURLWithPath: output), options: .atomic)
} catch {
    fail("cannot write \(output): \(error)")
}
