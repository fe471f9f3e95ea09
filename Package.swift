// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "tessera",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "tessera", targets: ["tessera"]),
        .library(name: "TesseraPolicy", targets: ["TesseraPolicy"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.1.0"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.3.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.6.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/grpc/grpc-swift-2.git", from: "2.4.3"),
        .package(url: "https://github.com/grpc/grpc-swift-nio-transport.git", from: "2.9.2"),
        .package(url: "https://github.com/grpc/grpc-swift-protobuf.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-protobuf.git", from: "1.39.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.80.0"),
        .package(url: "https://github.com/apple/swift-nio-http2.git", from: "1.36.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/modelcontextprotocol/swift-sdk", exact: "0.12.1"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
    ],
    targets: [
        // Domain model: identities, clock, decisions. No dependencies beyond Foundation.
        .target(name: "TesseraCore"),
        // JOSE (JWS/JWK/JWKS), key encryption at rest, PEM keys.
        .target(
            name: "TesseraCrypto",
            dependencies: [
                "TesseraCore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ]
        ),
        // The Cedar engine: depends on nothing else in the project.
        .target(name: "TesseraPolicy"),
        // Hash-chained audit log model, group-commit writer, verification.
        .target(
            name: "TesseraAudit",
            dependencies: ["TesseraCore", .product(name: "Crypto", package: "swift-crypto")]
        ),
        // Repository protocols and their SQLite implementation.
        .target(
            name: "TesseraStore",
            dependencies: [
                "TesseraCore", "TesseraAudit",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // Posture: secret scanning, detectors over inventory + audit, findings, evidence reports.
        .target(
            name: "TesseraPosture",
            dependencies: [
                "TesseraCore", "TesseraAudit", "TesseraStore", "TesseraPolicy",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // Dynamic secrets for legacy systems: per-task PostgreSQL roles (holds database admin credentials).
        .target(
            name: "TesseraSecrets",
            dependencies: [
                "TesseraCore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Discovery: connectors that read identities existing outside Tessera (PostgreSQL roles, OpenBao/Vault,
        // AWS IAM, Linux hosts) as metadata only; never a secret value.
        .target(
            name: "TesseraDiscovery",
            dependencies: [
                "TesseraCore", "TesseraSecrets",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // HTTP API: OAuth endpoints and admin API.
        .target(
            name: "TesseraServer",
            dependencies: [
                "TesseraCore", "TesseraCrypto", "TesseraStore", "TesseraAudit", "TesseraPolicy", "TesseraPosture",
                "TesseraSecrets", "TesseraDiscovery",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            plugins: ["EmbedFiles"]
        ),
        // Build-time embedding of the console and the default policies into TesseraServer (one source each).
        .executableTarget(name: "embed-files", path: "Tools/embed-files"),
        .plugin(name: "EmbedFiles", capability: .buildTool(), dependencies: ["embed-files"], path: "Plugins/EmbedFiles"),
        // Node agent: SPIFFE Workload API (gRPC on a Unix socket), workload attestation, SVID cache.
        .target(
            name: "TesseraAgent",
            dependencies: [
                "TesseraCore", "TesseraCrypto",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP2", package: "swift-nio-http2"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // MCP authorization gateway: agents' tool calls checked with the Tessera server before reaching MCP servers.
        .target(
            name: "TesseraMCP",
            dependencies: [
                "TesseraCore",
                .product(name: "MCP", package: "swift-sdk"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        // A small MCP server (stdio or HTTP) for the gateway's end-to-end test and benchmark.
        .executableTarget(
            name: "tessera-test-mcp-server",
            dependencies: [
                "TesseraMCP", .product(name: "MCP", package: "swift-sdk"), .product(name: "Hummingbird", package: "hummingbird"),
            ]
        ),
        // The MCP gateway benchmark's scripted agent (scripts/bench/mcp-gateway).
        .executableTarget(
            name: "tessera-mcp-bench",
            dependencies: [
                "TesseraMCP", .product(name: "MCP", package: "swift-sdk"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]
        ),
        .executableTarget(
            name: "tessera",
            dependencies: [
                "TesseraCore", "TesseraCrypto", "TesseraStore", "TesseraAudit", "TesseraServer", "TesseraPolicy",
                "TesseraAgent", "TesseraPosture", "TesseraSecrets", "TesseraMCP", "TesseraDiscovery",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The end-to-end tests' HTTP client (AsyncHTTPClient, a deadline on every request).
        .target(
            name: "TesseraTestSupport",
            dependencies: [
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/TesseraTestSupport"
        ),
        .testTarget(name: "TesseraCoreTests", dependencies: ["TesseraCore"], exclude: ["Vectors"]),
        .testTarget(
            name: "TesseraAgentTests",
            dependencies: [
                "TesseraTestSupport",
                "TesseraAgent", "TesseraServer", "TesseraCrypto", "TesseraCore",
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
            ]
        ),
        .testTarget(
            name: "TesseraCryptoTests",
            dependencies: [
                "TesseraCrypto", .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
            ],
            exclude: ["Vectors"]
        ),
        .testTarget(name: "TesseraPolicyTests", dependencies: ["TesseraPolicy"]),
        .testTarget(
            name: "TesseraDiscoveryTests",
            dependencies: [
                "TesseraTestSupport", "TesseraDiscovery", "TesseraCore", .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            exclude: ["Vectors"]
        ),
        .testTarget(name: "TesseraAuditTests", dependencies: ["TesseraAudit", "TesseraStore"]),
        .testTarget(
            name: "TesseraStoreTests",
            dependencies: [
                "TesseraTestSupport", "TesseraStore", "TesseraSecrets", .product(name: "PostgresNIO", package: "postgres-nio"),
            ]
        ),
        .testTarget(
            name: "TesseraSecretsTests",
            dependencies: [
                "TesseraTestSupport", "TesseraSecrets", .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            exclude: ["Vectors"]
        ),
        .testTarget(
            name: "TesseraPostureTests",
            dependencies: [
                "TesseraTestSupport",
                "TesseraPosture", "TesseraServer", "TesseraStore", "TesseraAudit", "TesseraCore", "TesseraPolicy",
                "TesseraCrypto",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            exclude: ["Corpus", "Fixtures"]
        ),
        .testTarget(
            name: "TesseraMCPTests",
            dependencies: [
                "TesseraTestSupport",
                "TesseraMCP", "TesseraServer", "TesseraCrypto", "TesseraCore", "tessera-test-mcp-server",
                .product(name: "MCP", package: "swift-sdk"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .testTarget(
            name: "TesseraServerTests",
            dependencies: [
                "TesseraTestSupport",
                "TesseraServer", "TesseraCrypto", "TesseraStore", "TesseraPolicy", "TesseraAudit", "TesseraCore",
                "TesseraSecrets", .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
    ]
)
