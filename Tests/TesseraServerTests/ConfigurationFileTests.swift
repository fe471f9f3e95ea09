import Foundation
import TesseraServer
import TesseraTestSupport
import Testing

@Suite(.stopsServers) struct ConfigurationFileTests {
    private static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    @Test func optionsExpandAndTheCommandLineWins() throws {
        let file = NSTemporaryDirectory() + "tessera-\(UUID().uuidString).conf"
        try """
        # comment
        port = 9443
        data-dir = "/var/lib/tessera"
        trust-domain = example.org

        max-task-ttl = 7200
        """.write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let expanded = try ConfigurationFile.expand(["server", "--config", file, "--port", "10443"])
        #expect(
            expanded == [
                "server", "--data-dir", "/var/lib/tessera", "--trust-domain", "example.org", "--max-task-ttl", "7200",
                "--port", "10443",
            ])
        #expect(try ConfigurationFile.expand(["server", "--config=\(file)"]).contains("9443"))
    }

    @Test func badFilesAreRefusedWithTheLine() {
        for (text, words) in [
            ("port 9443 x", ":1:"), ("= 3", ":1:"), ("\n\nport =", ":3: port has an empty value"), ("config = x", ":1:"),
        ] {
            do {
                _ = try ConfigurationFile.parse(text: text, source: "t.conf")
                Issue.record("accepted \(text)")
            } catch {
                #expect("\(error)".contains(words), "\(error)")
            }
        }
        #expect(throws: ConfigurationFile.Failure.self) {
            try ConfigurationFile.expand(["server", "--config", "/nonexistent/x.conf"])
        }
        #expect(throws: ConfigurationFile.Failure.self) { try ConfigurationFile.expand(["server", "--config"]) }
    }

    @Test func theShippedExampleParsesAndNamesOnlyRealOptions() throws {
        let example = Self.repository.appendingPathComponent("packaging/tessera.conf").path
        let options = try ConfigurationFile.parse(path: example)
        #expect(options.count >= 5, "the example sets the essentials")
        // Every option in the example (set or commented out) is one `tessera server` accepts.
        let text = try String(contentsOfFile: example, encoding: .utf8)
        let commands = Self.repository.appendingPathComponent("Sources/tessera/Commands")
        let sources = try ["ServerOptions.swift", "FederationOptions.swift"].map {
            try String(contentsOf: commands.appendingPathComponent($0), encoding: .utf8)
        }.joined(separator: "\n")
        for line in text.split(separator: "\n") {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            let body = trimmed.hasPrefix("#") ? String(trimmed.dropFirst()).trimmingCharacters(in: .whitespaces) : trimmed
            guard let name = body.split(separator: "=").first?.trimmingCharacters(in: .whitespaces),
                body.contains("="), name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" }), !name.isEmpty
            else { continue }
            let declared = sources.contains("customLong(\"\(name)\")") || sources.contains("var \(Self.camel(name)):")
            #expect(declared, "packaging/tessera.conf names \(name), which ServerOptions does not declare")
        }
    }

    static func camel(_ name: String) -> String {
        let parts = name.split(separator: "-")
        return (parts.first.map(String.init) ?? "")
            + parts.dropFirst().map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
    }
}
