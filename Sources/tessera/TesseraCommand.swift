import ArgumentParser
import Foundation
import TesseraServer

@main
struct TesseraCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tessera",
        abstract: "Tessera: a control plane for non-human identities.",
        discussion: """
            Start a throwaway local server with `tessera dev`, or a real one with `tessera server --kek-file FILE`.
            Admin commands talk to a running server: set TESSERA_ADDR (default http://127.0.0.1:8443) and
            TESSERA_TOKEN (the admin token printed on first start, or DATA_DIR/admin-token in dev mode).
            """,
        version: "0.1.0",
        subcommands: [
            ServerCommand.self, DevCommand.self, HealthCommand.self, OpenAPICommand.self, IdentityCommand.self,
            DiscoverCommand.self, TokenCommand.self,
            TaskCommand.self, LeaseCommand.self, ExceptionCommand.self, SecretCommand.self, DBCommand.self, AuditCommand.self,
            PolicyCommand.self, BenchCommand.self,
            AgentCommand.self, NodeCommand.self, EntryCommand.self, SVIDCommand.self, BundleCommand.self,
            ScanCommand.self, PostureCommand.self, OwnerCommand.self,
            ApprovalCommand.self, ToolsCommand.self, MCPGatewayCommand.self, IssuerCommand.self, LoginCommand.self,
            KeysCommand.self, FederationCommand.self,
        ]
    )

    /// Expands `--config FILE` before parsing (packaging/tessera.conf documents every option).
    static func main() async {
        do {
            let arguments = try ConfigurationFile.expand(Array(CommandLine.arguments.dropFirst()))
            var command = try parseAsRoot(arguments)
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}
