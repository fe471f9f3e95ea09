import Foundation
import TesseraAudit
import TesseraCrypto
import TesseraServer

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// What `tessera audit verify` needs besides the records: the audit keys (from the KEK) and outside checkpoints.
enum AuditVerifyInputs {
    /// The keyring derived from the KEK: `--kek-file`, TESSERA_KEK_FILE / TESSERA_KEK, or a development KEK in the
    /// data folder. Nil when none is configured (never generates one).
    static func keyring(kekFile: String?, dataDir: String) throws -> AuditKeyring? {
        let environment = ProcessInfo.processInfo.environment
        var file = kekFile
        if file == nil, environment[KEKLoader.fileEnvironmentVariable] == nil,
            environment[KEKLoader.environmentVariable] == nil
        {
            let development = (dataDir as NSString).appendingPathComponent("kek")
            guard FileManager.default.fileExists(atPath: development) else { return nil }
            file = development
        }
        do {
            let (kek, _) = try KEKLoader.load(
                file: file, environment: environment, dataDirectory: dataDir, development: false)
            return AuditKeyring(rootKey: kek.derivedKey(purpose: AuditKeyring.kekPurpose))
        } catch let error as ServerError {
            throw CommandFailure(message: error.reason)
        }
    }

    /// Every checkpoint in each source: a file of JSON lines (the checkpoint file, or JSON log lines), or an http(s)
    /// URL answering them (fetched without following redirects).
    static func checkpoints(_ sources: [String]) async throws -> [SignedAuditCheckpoint] {
        var all: [SignedAuditCheckpoint] = []
        for source in sources {
            let text = try await read(source)
            let found = SignedAuditCheckpoint.parseAll(text)
            guard !found.isEmpty else { throw CommandFailure(message: "no audit checkpoint found in \(source)") }
            all += found
        }
        return all
    }

    private static func read(_ source: String) async throws -> String {
        let lowered = source.lowercased()
        guard lowered.hasPrefix("http://") || lowered.hasPrefix("https://") else {
            guard let text = try? String(contentsOfFile: source, encoding: .utf8) else {
                throw CommandFailure(message: "cannot read the checkpoint file \(source)")
            }
            return text
        }
        guard let url = URL(string: source) else { throw CommandFailure(message: "not a URL: \(source)") }
        let session = URLSession(configuration: .ephemeral, delegate: NoRedirects(), delegateQueue: nil)
        defer { session.finishTasksAndInvalidate() }
        let data: Data
        let response: URLResponse
        do {
            (data, response) = try await session.data(for: URLRequest(url: url, timeoutInterval: 15))
        } catch {
            throw CommandFailure(message: "cannot fetch checkpoints from \(source)")
        }
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        guard status == 200 else { throw CommandFailure(message: "\(source) answered \(status), not checkpoints") }
        return String(decoding: data, as: UTF8.self)
    }
}

/// Fetches only the URL given: a redirect is an answer, not followed.
private final class NoRedirects: NSObject, URLSessionTaskDelegate, Sendable {
    func urlSession(
        _ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
        newRequest request: URLRequest, completionHandler: @escaping @Sendable (URLRequest?) -> Void
    ) {
        completionHandler(nil)
    }
}
