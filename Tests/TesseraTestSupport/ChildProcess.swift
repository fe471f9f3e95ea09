import Foundation

/// Runs a program without blocking a Swift concurrency thread: the pipes are read and the exit awaited on GCD
/// threads. Tests must use this (not `Process.waitUntilExit`) when the child talks to a server in the test process:
/// a cooperative thread blocked on such a child can leave none for the server that must answer it (seen on 2 cores:
/// curl's "Empty reply from server" until it gave up).
public enum ChildProcess {
    public struct Result: Sendable {
        public let status: Int32
        public let output: Data
        public let error: Data
    }

    public static func run(_ program: String, _ arguments: [String]) async throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        let output = Pipe()
        let error = Pipe()
        process.standardOutput = output
        process.standardError = error
        process.standardInput = FileHandle.nullDevice
        return try await withCheckedThrowingContinuation { continuation in
            let group = DispatchGroup()
            final class Box: @unchecked Sendable {
                var output = Data()
                var error = Data()
            }
            let box = Box()
            group.enter()
            group.enter()
            group.enter()
            process.terminationHandler = { _ in group.leave() }
            do {
                try process.run()
            } catch {
                continuation.resume(throwing: error)
                return
            }
            DispatchQueue.global().async {
                box.output = output.fileHandleForReading.readDataToEndOfFile()
                group.leave()
            }
            DispatchQueue.global().async {
                box.error = error.fileHandleForReading.readDataToEndOfFile()
                group.leave()
            }
            group.notify(queue: .global()) {
                continuation.resume(returning: Result(status: process.terminationStatus, output: box.output, error: box.error))
            }
        }
    }
}
