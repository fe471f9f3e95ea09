import Crypto
import Foundation
import TesseraAudit
import TesseraCore
import Testing

@testable import TesseraServer

/// `--sink` values: what is accepted, what is refused at start (naming the option, never the key), and what each
/// format and the syslog framing put on the wire.
@Suite struct AuditSinkSpecTests {
    static let folder = NSTemporaryDirectory() + "tessera-sink-spec-" + UUID().uuidString
    static let keyFile: String = {
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let path = folder + "/hmac.key"
        _ = FileManager.default.createFile(atPath: path, contents: Data("0123456789abcdef-secret-key\n".utf8))
        return path
    }()

    @Test func acceptedSinks() throws {
        let tcp = try AuditSinkSpec(parsing: "syslog+tcp://siem.example.org:514?format=ecs&types=token.,%20discovered.")
        #expect(tcp.transport == .syslogTCP && tcp.host == "siem.example.org" && tcp.port == 514)
        #expect(tcp.format == .ecs && tcp.types == ["token.", "discovered."])
        #expect(tcp.name == "syslog+tcp://siem.example.org:514")
        #expect(
            tcp.accepts(type: "token.issued") && tcp.accepts(type: "discovered.new") && !tcp.accepts(type: "identity.created"))
        let hook = try AuditSinkSpec(parsing: "https://hooks.example.org/a?key_file=\(Self.keyFile)&name=soc")
        #expect(hook.port == 443 && hook.target == "https://hooks.example.org/a" && hook.name == "soc")
        #expect(hook.signingKey == Data("0123456789abcdef-secret-key".utf8))
        #expect(try AuditSinkSpec(parsing: "http://127.0.0.1:9000/a?key_file=\(Self.keyFile)").port == 9000)
        #expect(try AuditSinkSpec(parsing: "http://[::1]:9000/a?key_file=\(Self.keyFile)").transport == .http)
        let hec = try AuditSinkSpec(parsing: "https://splunk:8088/services/collector?format=hec&token_file=\(Self.keyFile)")
        #expect(hec.authorization == "Splunk 0123456789abcdef-secret-key")
        #expect(try AuditSinkSpec(parsing: "file:///var/log/tessera/audit.jsonl").path == "/var/log/tessera/audit.jsonl")
        #expect(try AuditSinkSpec(parsing: "syslog+udp://10.0.0.1:514").transport == .syslogUDP)
    }

    @Test(arguments: [
        ("gopher://h:70/", "unknown scheme gopher"),
        ("https://h/a?key_file=/nonexistent/key", "key_file /nonexistent/key cannot be read"),
        ("http://192.0.2.1/a?key_file=KEY", "only to loopback"),
        ("http://127.evil.example/a?key_file=KEY", "only to loopback"),
        ("https://h/a", "needs key_file"),
        ("https://user:pw@h/a?key_file=KEY", "credentials do not belong in the URL"),
        ("syslog+tcp://h", "needs a port"),
        ("syslog+tls://h:6514?ca_file=/nonexistent/ca.pem", "ca_file /nonexistent/ca.pem is not readable"),
        ("file:///x.jsonl?format=cef", "format must be tessera, ecs or hec"),
        ("file:///x.jsonl?colour=red", "unknown parameter colour"),
        ("file:///x.jsonl?key_file=KEY", "webhook (http(s)) sinks only"),
        ("file://relative", "file:///ABSOLUTE/PATH"),
    ])
    func refusedSinks(_ url: String, _ reason: String) throws {
        let given = url.replacingOccurrences(of: "KEY", with: Self.keyFile)
        let error = try #require(throws: ServerError.self) { try AuditSinkSpec(parsing: given) }
        #expect(error.code == .configuration)
        #expect(error.reason.hasPrefix("--sink "), "\(error.reason)")
        #expect(error.reason.contains(reason), "\(error.reason)")
        #expect(!error.reason.contains("secret-key"), "the key leaked: \(error.reason)")
        #expect(!error.reason.contains("pw"), "the password leaked: \(error.reason)")
    }

    @Test func twoSinksWithOneNameAreRefused() throws {
        var configuration = AuditSinkConfiguration()
        configuration.urls = ["file:///a.jsonl", "file:///a.jsonl?format=ecs"]
        #expect(throws: ServerError.self) { try configuration.specs() }
        configuration.urls = ["file:///a.jsonl", "file:///a.jsonl?format=ecs&name=ecs"]
        #expect(try configuration.specs().map(\.name) == ["file:///a.jsonl", "ecs"])
    }

    @Test func formatsCarryTheRecordAndItsSequenceNumber() throws {
        let record = try AuditRecord.make(
            seq: 7, prevHash: AuditRecord.genesisHash, time: Date(timeIntervalSince1970: 1_800_000_000.25),
            event: AuditEvent(
                type: "token.refused", outcome: .denied, actor: "spiffe://example.org/a", subject: "spiffe://example.org/b",
                reason: "policy"))
        #expect(AuditSinkFormat.tessera.line(record, host: "h") == record.exportLine())
        let ecs = try #require(
            JSONSerialization.jsonObject(with: Data(AuditSinkFormat.ecs.line(record, host: "h").utf8)) as? [String: Any])
        let event = try #require(ecs["event"] as? [String: Any])
        #expect(event["sequence"] as? Int == 7 && event["action"] as? String == "token.refused")
        #expect(event["outcome"] as? String == "failure" && event["id"] as? String == record.hash)
        #expect(ecs["@timestamp"] as? String == "2027-01-15T08:00:00.250Z")
        #expect((ecs["tessera"] as? [String: Any])?["seq"] as? Int == 7)
        let hec = try #require(
            JSONSerialization.jsonObject(with: Data(AuditSinkFormat.hec.line(record, host: "h").utf8)) as? [String: Any])
        #expect(hec["time"] as? Double == 1_800_000_000.25 && hec["sourcetype"] as? String == "tessera:audit")
        #expect((hec["event"] as? [String: Any])?["seq"] as? Int == 7)
        let message = SyslogMessage.make(record, line: "{\"é\":1}", host: "h ost")
        #expect(
            message == "<108>1 2027-01-15T08:00:00.250Z host tessera \(ProcessInfo.processInfo.processIdentifier) "
                + "token.refused [tessera@32473 seq=\"7\"] {\"é\":1}")
        let framed = SyslogMessage.octetCounted(message)
        #expect(framed.hasPrefix("\(message.utf8.count) ") && message.utf8.count == message.count + 1)
    }

    @Test func headerFieldsAreTheTopLevelOnesEvenWhenDetailsNameThemToo() throws {
        let record = try AuditRecord.make(
            seq: 3, prevHash: AuditRecord.genesisHash, time: Date(timeIntervalSince1970: 1_800_000_000),
            event: AuditEvent(
                type: "discovered.new", outcome: .success, reason: "a \"type\":\"token.x\" trick",
                details: ["type": .string("fake.type"), "time": .string("never"), "outcome": .string("failure")]))
        let content = try record.content()
        #expect(SyslogMessage.topLevelString("type", in: record.body) == content.type)
        #expect(SyslogMessage.topLevelString("time", in: record.body) == content.time)
        #expect(SyslogMessage.topLevelString("outcome", in: record.body) == "success")
    }

    @Test func webhookSignatureIsTheHexHMACOfTheBody() {
        // RFC 4231-style check against a published HMAC-SHA256 vector.
        let signature = WebhookTransport.signature(
            of: Data("The quick brown fox jumps over the lazy dog".utf8), key: SymmetricKey(data: Data("key".utf8)))
        #expect(signature == "sha256=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8")
    }
}
