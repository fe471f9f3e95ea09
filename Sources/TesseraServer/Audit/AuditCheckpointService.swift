import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import ServiceLifecycle
import TesseraAudit

/// Where and how often a server emits signed audit checkpoints (`--audit-checkpoint-*`).
public struct AuditCheckpointConfiguration: Sendable, Equatable {
    /// Seconds between checkpoints (a checkpoint is skipped when nothing was appended since the last one).
    public var interval: Int = 60
    /// A file that receives one JSON line per checkpoint (appended, created 0600).
    public var file: String?
    /// An HTTP(S) URL that receives each checkpoint as a JSON `POST` (redirects are not followed).
    public var url: String?
    /// Continue (and verify) a chain whose records carry no MAC (`--audit-accept-unkeyed-prefix`): only for a database
    /// written before keyed audit. Off, the server refuses to start on a chain whose head is unkeyed, since a database
    /// writer without the KEK can strip every key and re-chain.
    public var acceptUnkeyedPrefix = false

    public init() {}

    func validate() throws(ServerError) {
        guard (1...86_400).contains(interval) else {
            throw ServerError(.configuration, "the audit checkpoint interval must be 1...86400 seconds")
        }
        if let url {
            guard let parsed = URL(string: url), ["http", "https"].contains(parsed.scheme?.lowercased() ?? ""),
                parsed.host != nil
            else { throw ServerError(.configuration, "--audit-checkpoint-url must be an http(s) URL") }
        }
    }
}

/// Appends a signed checkpoint to the audit chain on a schedule and at clean shutdown, and sends each one out of the
/// database: always to the log stream (`audit_checkpoint` field, one JSON line with `--log-format json`), and to the
/// configured file and HTTP sink. A sink failure is logged and never stops the server or the chain.
struct AuditCheckpointService: Service {
    let audit: AuditLog
    let configuration: AuditCheckpointConfiguration
    let logger: Logger

    /// Checkpoints every `interval` seconds until the service group shuts down or the task is cancelled, then writes
    /// a last checkpoint (the group stops this service after the listeners, so it covers the last request's records).
    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            var last: Int64? = nil
            while !Task.isCancelled {
                try await Task.sleep(for: .seconds(configuration.interval))
                last = await checkpoint(unlessAt: last)
            }
        }
        // In its own task: this one may be cancelled, and the closing checkpoint must still be written.
        _ = await Task { await checkpoint() }.value
    }

    /// Logs the checkpoint key's fingerprint at start, to compare with what verifiers pin.
    func announce() {
        guard let keyring = audit.sealing?.keyring else { return }
        logger.notice(
            "audit checkpoints signed with \(keyring.checkpointKey.fingerprint)",
            metadata: [
                "audit_checkpoint_key": .string(keyring.checkpointKey.publicKey),
                "writer": .string(audit.sealing?.writer ?? ""),
            ])
    }

    /// Appends and emits one checkpoint unless the head is still the checkpoint record at `unlessAt`; returns the seq
    /// of the checkpoint record written (or `unlessAt`).
    @discardableResult
    func checkpoint(unlessAt previous: Int64? = nil) async -> Int64? {
        if let previous, audit.head?.seq == previous { return previous }
        do {
            let logger = self.logger
            let signed = try await audit.checkpoint { chain in
                logger.critical(
                    "audit chain head without a valid MAC: named in the checkpoint all the same; run `tessera audit verify`",
                    metadata: ["audit_chain": .string(chain)])
            }
            // Not cancelled with the server's task: the checkpoint written at shutdown still leaves the database.
            await Task { await emit(signed) }.value
            return signed.checkpoint.seq + 1
        } catch {
            logger.error("audit checkpoint not written to the database", metadata: ["reason": "\(error)"])
            // What this server made durable still leaves it, signed: a database that lost the newest records (or a
            // writer who deleted them and now refuses checkpoints) cannot also keep their statement in.
            if let statement = try? audit.headStatement() {
                await Task { await emit(statement, message: "audit head statement (the checkpoint could not be written)") }
                    .value
            }
            return previous
        }
    }

    private func emit(_ signed: SignedAuditCheckpoint, message: Logger.Message = "audit checkpoint") async {
        let line = signed.jsonLine()
        logger.notice(
            message,
            metadata: [
                "audit_checkpoint": .string(line), "seq": "\(signed.checkpoint.seq)",
                "key": .string(signed.key.fingerprint),
            ])
        if let file = configuration.file { append(line, to: file) }
        if let url = configuration.url { await post(line, to: url) }
    }

    private func append(_ line: String, to path: String) {
        let descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            logger.warning("audit checkpoint file not writable", metadata: ["path": .string(path)])
            return
        }
        defer { close(descriptor) }
        let bytes = Array((line + "\n").utf8)
        let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        if written != bytes.count || fsync(descriptor) != 0 {
            logger.warning("audit checkpoint file write failed", metadata: ["path": .string(path)])
        }
    }

    private func post(_ line: String, to url: String) async {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: line))
        do {
            let response = try await Self.client.execute(request, timeout: .seconds(10))
            _ = try? await response.body.collect(upTo: 64 * 1024)
            if !(200..<300).contains(Int(response.status.code)) {
                logger.warning("audit checkpoint sink refused it", metadata: ["status": "\(response.status.code)"])
            }
        } catch {
            logger.warning("audit checkpoint sink unreachable")
        }
    }

    /// Sends only to the configured URL: a redirect is answered as it is, never followed. AsyncHTTPClient, not
    /// URLSession: URLSession's cancellation runs `DispatchQueue.sync` under the task's status lock (docs/testing.md).
    private static let client = HTTPClient(
        eventLoopGroup: HTTPClient.defaultEventLoopGroup,
        configuration: HTTPClient.Configuration(redirectConfiguration: .disallow))
}

/// This server instance's audit writer id: host, process and a random suffix (unique per start).
enum AuditWriterID {
    static func make() -> String {
        let host = ProcessInfo.processInfo.hostName.prefix(48)
        return "\(host)-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(8).lowercased())"
    }
}
