import Foundation

/// A file sink (`file:///PATH`): appends one JSON line per record (created 0600) and fsyncs before the cursor moves.
struct FileSinkTransport: AuditSinkTransport {
    let path: String

    func deliver(_ messages: [String]) async throws {
        let descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw AuditSinkDeliveryError(description: "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        defer { _ = Foundation.close(descriptor) }
        let bytes = Array(messages.map { $0 + "\n" }.joined().utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                throw AuditSinkDeliveryError(description: "cannot write \(path): \(String(cString: strerror(errno)))")
            }
            offset += written
        }
        guard fsync(descriptor) == 0 else {
            throw AuditSinkDeliveryError(description: "cannot fsync \(path): \(String(cString: strerror(errno)))")
        }
    }
}
