import ArgumentParser
import Foundation

struct BundleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bundle", abstract: "Trust bundles: show this trust domain's, federate with another, rotate the CA.",
        subcommands: [BundleShow.self, BundleFederate.self, BundleRotateCA.self])
}

struct BundleShow: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "Print the SPIFFE bundle (JSON) or its roots (--pem).")
    @OptionGroup var connection: ConnectionOptions
    @Flag(help: "Print the X.509 authorities as PEM (for openssl verify -CAfile).") var pem = false
    @Flag(help: "Print the bundle as JSON (the default; accepted so every command takes --json).") var json = false

    func run() async throws {
        if json && pem { throw CommandFailure(message: "--json and --pem exclude each other") }
        let data = try await connection.client(requireToken: false).expect("GET", "/bundle")
        guard pem else { return print(Output.prettyJSON(data)) }
        let keys = ((try? JSONSerialization.jsonObject(with: data) as? [String: Any])?["keys"] as? [[String: Any]]) ?? []
        for key in keys where key["use"] as? String == "x509-svid" {
            for der in key["x5c"] as? [String] ?? [] {
                let body = Data(base64Encoded: der)?.base64EncodedString(options: [.lineLength64Characters]) ?? ""
                print("-----BEGIN CERTIFICATE-----\n\(body)\n-----END CERTIFICATE-----")
            }
        }
    }
}

struct BundleFederate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "federate", abstract: "Trust another trust domain: fetch its bundle from its endpoint and keep it fresh.")
    @OptionGroup var connection: ConnectionOptions
    @Option(name: .customLong("trust-domain"), help: "The other trust domain, e.g. partner.example.") var trustDomain: String
    @Option(help: "Its bundle endpoint URL, e.g. https://partner.example/bundle.") var url: String
    @Option(
        help: ArgumentHelp(
            "Bundle endpoint profile: https_web (Web PKI, default) or https_spiffe.",
            discussion: "https_spiffe: the endpoint presents an X.509-SVID (--endpoint-spiffe-id), checked against the last "
                + "known bundle of that ID's trust domain; the first time, give that bundle with --bundle-file."))
    var profile: String = "https_web"
    @Option(name: .customLong("endpoint-spiffe-id"), help: "https_spiffe: the SPIFFE ID the endpoint's SVID must carry.")
    var endpointSPIFFEID: String?
    @Option(
        name: .customLong("bundle-file"), help: "https_spiffe: the trust domain's current bundle (JSON), obtained out of band.")
    var bundleFile: String?
    @OptionGroup var output: OutputOptions

    func run() async throws {
        var body: [String: Any] = ["trust_domain": trustDomain, "bundle_endpoint_url": url, "bundle_endpoint_profile": profile]
        if let endpointSPIFFEID { body["endpoint_spiffe_id"] = endpointSPIFFEID }
        if let bundleFile {
            guard let data = FileManager.default.contents(atPath: bundleFile),
                let bundle = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
            else { throw CommandFailure(message: "cannot read a JSON bundle from \(bundleFile)") }
            body["trust_bundle"] = bundle
        }
        let data = try await connection.client().expect("POST", "/v1/federation", json: body)
        Output.printObject(data, json: output.json)
    }
}

struct BundleRotateCA: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rotate-ca", abstract: "Rotate the X.509 CA now; the previous root stays in the bundle until it expires.")
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        Output.printObject(try await connection.client().expect("POST", "/v1/spiffe/ca/rotate"), json: output.json)
    }
}
