import Foundation
import Testing

/// The PostgreSQL cluster the PostgreSQL suites run against: `scripts/test` starts one and exports its URL
/// (`TESSERA_TEST_POSTGRES_URL`) and `TESSERA_TEST_POSTGRES_REQUIRED=1`.
///
/// Without a URL the suites are skipped, each with the reason in the test report, so `swift test` passes on a
/// machine without PostgreSQL. With `TESSERA_TEST_POSTGRES_REQUIRED=1` they always run: a missing cluster is then a
/// failure, never a skip, which keeps CI strict.
public enum PostgresTestCluster {
    /// `TESSERA_TEST_POSTGRES_URL`, when set.
    public static var url: String? { ProcessInfo.processInfo.environment["TESSERA_TEST_POSTGRES_URL"] }

    /// Whether a missing cluster fails the PostgreSQL suites instead of skipping them.
    public static var isRequired: Bool { ProcessInfo.processInfo.environment["TESSERA_TEST_POSTGRES_REQUIRED"] == "1" }

    /// Whether the PostgreSQL suites and variants run.
    public static var runs: Bool { url != nil || isRequired }

    static let skipReason = Comment(
        rawValue: "PostgreSQL suites skipped: TESSERA_TEST_POSTGRES_URL is not set (scripts/test starts a cluster; "
            + "eval \"$(scripts/postgres-test-server | sed 's/^/export /')\" starts one by hand)")
}

extension Trait where Self == ConditionTrait {
    /// Runs the suite or test only with a PostgreSQL test cluster (or when one is required: then it fails without it).
    public static var needsPostgres: Self {
        .enabled(if: PostgresTestCluster.runs, PostgresTestCluster.skipReason)
    }
}
