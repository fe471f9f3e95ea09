import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2

/// Load generator for the Workload API (`tessera svid bench`): `concurrency` callers, each on its own
/// connection, calling FetchX509SVID (first message of the stream, then cancel) or FetchJWTSVID in a loop.
/// A caller reconnects every 150 X.509 calls: each early-cancelled stream is an HTTP/2 RST_STREAM, and the
/// server's rapid-reset guard (swift-nio-http2: 200 per 30 s per connection) answers more with GOAWAY.
public enum WorkloadAPIBenchmark {
    /// Completed calls and failures.
    public struct Result: Sendable {
        public let calls: Int
        public let failures: Int
        public let seconds: Double
        public var rate: Double { Double(calls) / seconds }
    }

    public static func run(socketPath: String, seconds: Double, concurrency: Int, jwtAudience: String?) async throws -> Result {
        let started = ContinuousClock.now
        let deadline = started + .milliseconds(Int(seconds * 1000))
        let counts = await withTaskGroup(of: (Int, Int).self) { group in
            for _ in 0..<max(1, concurrency) {
                group.addTask {
                    var total = (0, 0)
                    while ContinuousClock.now < deadline {
                        let round = (try? await connection(socketPath, jwtAudience, deadline: deadline)) ?? (0, 1)
                        total = (total.0 + round.0, total.1 + round.1)
                    }
                    return total
                }
            }
            var total = (0, 0)
            for await (calls, failures) in group { total = (total.0 + calls, total.1 + failures) }
            return total
        }
        let elapsed = ContinuousClock.now - started
        let secondsElapsed = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return Result(calls: counts.0, failures: counts.1, seconds: secondsElapsed)
    }

    /// One connection: up to 150 X.509 calls (or unary JWT calls until the deadline).
    private static func connection(_ path: String, _ audience: String?, deadline: ContinuousClock.Instant) async throws
        -> (Int, Int)
    {
        let metadata: Metadata = ["workload.spiffe.io": "true"]
        return try await withGRPCClient(
            transport: .http2NIOPosix(target: .unixDomainSocket(path: path), transportSecurity: .plaintext)
        ) { client in
            let api = WorkloadAPI_SpiffeWorkloadAPI.Client(wrapping: client)
            var calls = 0
            var failures = 0
            while ContinuousClock.now < deadline && (audience != nil || calls + failures < 150) {
                do {
                    if let audience {
                        var request = WorkloadAPI_JWTSVIDRequest()
                        request.audience = [audience]
                        _ = try await api.fetchJWTSVID(request, metadata: metadata)
                    } else {
                        _ = try await api.fetchX509SVID(WorkloadAPI_X509SVIDRequest(), metadata: metadata) { response in
                            for try await _ in response.messages { return }
                        }
                    }
                    calls += 1
                } catch {
                    failures += 1
                }
            }
            return (calls, failures)
        }
    }
}
