import ArgumentParser
import TesseraServer

/// `tessera openapi`: the HTTP API's OpenAPI 3.1 document, as the server serves it at `/openapi.json`.
struct OpenAPICommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "openapi",
        abstract: "Print the OpenAPI 3.1 document of the HTTP API (what GET /openapi.json serves).",
        discussion: """
            The document is built from the route descriptions compiled into this binary. The repository's
            openapi/openapi.json is this command's output (`tessera openapi > openapi/openapi.json`); a test fails
            when the two differ.
            """)

    @Flag(help: "Accepted for scripts that pass --json to every command; the document is JSON either way.")
    var json = false

    func run() throws {
        print(OpenAPIDocument.json, terminator: "")
    }
}
