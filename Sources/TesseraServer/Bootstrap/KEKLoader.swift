import Foundation
import TesseraCrypto

/// Finds the key-encryption key: a file, an environment variable, or (development only) a generated file.
public enum KEKLoader {
    /// Where the KEK came from, for the start-up banner.
    public enum Source: Sendable, Equatable {
        case file(String)
        case environment
        case generatedForDevelopment(String)
        case existingDevelopmentFile(String)
    }

    public static let environmentVariable = "TESSERA_KEK"
    public static let fileEnvironmentVariable = "TESSERA_KEK_FILE"

    public static func load(
        file: String?, environment: [String: String], dataDirectory: String, development: Bool
    ) throws -> (KeyEncryptionKey, Source) {
        if let path = file ?? environment[fileEnvironmentVariable] {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw ServerError(.missingKEK, "cannot read the KEK file at \(path)")
            }
            return (try parse(text), .file(path))
        }
        if let value = environment[environmentVariable] {
            return (try parse(value), .environment)
        }
        guard development else {
            throw ServerError(
                .missingKEK,
                """
                no key-encryption key (KEK): private keys are encrypted at rest and Tessera will not start without one.
                Create one with `openssl rand -base64 32 > kek && chmod 600 kek` and pass --kek-file kek \
                (or set TESSERA_KEK / TESSERA_KEK_FILE). For a throwaway local server use `tessera dev`.
                """)
        }
        let path = (dataDirectory as NSString).appendingPathComponent("kek")
        if let text = try? String(contentsOfFile: path, encoding: .utf8) {
            return (try parse(text), .existingDevelopmentFile(path))
        }
        try FileManager.default.createDirectory(
            atPath: dataDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let (kek, encoded) = KeyEncryptionKey.generate()
        guard
            FileManager.default.createFile(
                atPath: path, contents: Data((encoded + "\n").utf8), attributes: [.posixPermissions: 0o600])
        else { throw ServerError(.missingKEK, "cannot write a development KEK to \(path)") }
        return (kek, .generatedForDevelopment(path))
    }

    private static func parse(_ text: String) throws(ServerError) -> KeyEncryptionKey {
        do {
            return try KeyEncryptionKey(encoded: text)
        } catch {
            throw ServerError(.missingKEK, error.reason)
        }
    }
}
