import ArgumentParser
import Crypto
import Foundation

struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Micro-benchmarks used by scripts/bench (not a load test).",
        shouldDisplay: false, subcommands: [BenchCrypto.self, BenchTokenPath.self, BenchLeases.self, BenchReplaySeed.self])
}

struct BenchCrypto: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "crypto",
        abstract: "ES256 sign+verify pairs per second: the cryptographic ceiling of one private_key_jwt token.")

    @Option(help: "Seconds per measurement.") var seconds: Double = 3
    @Option(help: "Worker threads.") var threads: Int = ProcessInfo.processInfo.activeProcessorCount
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let key = P256.Signing.PrivateKey(compactRepresentable: false)
        let message = Data(repeating: 0x61, count: 300)
        let deadline = Date().addingTimeInterval(seconds)
        let total = await withTaskGroup(of: Int.self) { group in
            for _ in 0..<max(1, threads) {
                group.addTask {
                    var count = 0
                    while Date() < deadline {
                        for _ in 0..<50 {
                            let signature = try! key.signature(for: SHA256.hash(data: message))
                            precondition(key.publicKey.isValidSignature(signature, for: SHA256.hash(data: message)))
                            count += 1
                        }
                    }
                    return count
                }
            }
            return await group.reduce(0, +)
        }
        let rate = Double(total) / seconds
        if json {
            print("{\"es256_sign_verify_per_second\":\(Int(rate)),\"threads\":\(threads)}")
        } else {
            print("ES256 sign+verify: \(Int(rate))/s on \(threads) thread(s)")
        }
    }
}
