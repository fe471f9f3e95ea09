import Foundation
import PackagePlugin

/// Compiles the web console and the default Cedar policies into TesseraServer at build time, from their one source
/// in the repository (`console/`, `policies/default/`): the generated Swift lives in the build folder only.
@main
struct EmbedFiles: BuildToolPlugin {
    /// `Type.member` and the file (relative to the package) it holds, per target.
    static let files: [String: [(member: String, path: String)]] = [
        "TesseraServer": [
            ("ConsoleAssets.indexHTML", "console/index.html"),
            ("ConsoleAssets.appJS", "console/app.js"),
            ("ConsoleAssets.appCSS", "console/app.css"),
            ("DefaultPolicies.schema", "policies/default/schema.cedarschema"),
            ("DefaultPolicies.policies", "policies/default/tessera.cedar"),
            ("DefaultPolicies.responses", "policies/default/responses.json"),
        ]
    ]

    func createBuildCommands(context: PluginContext, target: Target) async throws -> [Command] {
        guard let files = Self.files[target.name] else { return [] }
        let root = context.package.directoryURL
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedFiles.swift")
        let inputs = files.map { root.appending(path: $0.path) }
        return [
            .buildCommand(
                displayName: "Embedding \(files.count) files in \(target.name)",
                executable: try context.tool(named: "embed-files").url,
                arguments: [output.path()] + zip(files, inputs).map { "\($0.member)=\($1.path())" },
                inputFiles: inputs, outputFiles: [output])
        ]
    }
}
