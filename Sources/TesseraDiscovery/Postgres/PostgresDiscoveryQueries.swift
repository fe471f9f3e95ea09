/// The catalogue queries `PostgresConnector` runs. Read-only, and none of them selects a password hash: whether a
/// password is set comes from `rolpassword IS NOT NULL` in `pg_authid`, which only a superuser (or a role granted
/// SELECT on it) can read; without it the fact is reported as unknown.
enum PostgresDiscoveryQueries {
    static let canReadAuthID = "SELECT has_table_privilege('pg_catalog.pg_authid', 'SELECT') AS readable"

    static let canReadAllStats = """
        SELECT pg_has_role(current_user, 'pg_read_all_stats', 'MEMBER') OR (SELECT rolsuper FROM pg_roles \
        WHERE rolname = current_user) AS readable
        """

    /// Login roles and their attributes. `valid_until` as text: `infinity`, an RFC 3339 UTC time, or NULL.
    static func roles(withPasswordColumn: Bool) -> String {
        let password =
            withPasswordColumn
            ? "(SELECT a.rolpassword IS NOT NULL FROM pg_catalog.pg_authid a WHERE a.oid = r.oid)"
            : "NULL::bool"
        return """
            SELECT r.oid::int8 AS oid, r.rolname::text AS name, r.rolsuper AS superuser, r.rolcreaterole AS createrole, \
            r.rolcreatedb AS createdb, r.rolbypassrls AS bypassrls, r.rolreplication AS replication, \
            r.rolconnlimit::int8 AS connlimit, r.rolinherit AS inherit, \
            CASE WHEN r.rolvaliduntil IS NULL THEN NULL WHEN r.rolvaliduntil = 'infinity' THEN 'infinity' \
            ELSE to_char(r.rolvaliduntil AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') END AS valid_until, \
            \(password) AS has_password, (r.rolname = current_user) AS is_current \
            FROM pg_catalog.pg_roles r WHERE r.rolcanlogin AND r.rolname !~ '^pg_' ORDER BY r.rolname
            """
    }

    /// Direct memberships, with whether the granted role is a superuser or a predefined powerful role.
    static let memberships = """
        SELECT m.member::int8 AS member, g.rolname::text AS role, g.rolsuper AS superuser \
        FROM pg_catalog.pg_auth_members m JOIN pg_catalog.pg_roles g ON g.oid = m.roleid ORDER BY g.rolname
        """

    /// Database privileges (owners get every privilege implicitly).
    static let databaseGrants = """
        SELECT d.datname::text AS object, a.grantee::int8 AS grantee, a.privilege_type::text AS privilege \
        FROM pg_catalog.pg_database d, LATERAL aclexplode(d.datacl) a WHERE NOT d.datistemplate \
        UNION ALL SELECT d.datname::text, d.datdba::int8, 'OWNER' FROM pg_catalog.pg_database d WHERE NOT d.datistemplate \
        ORDER BY 1, 3
        """

    /// Schema privileges in the connected database (system schemas left out).
    static let schemaGrants = """
        SELECT n.nspname::text AS object, a.grantee::int8 AS grantee, a.privilege_type::text AS privilege \
        FROM pg_catalog.pg_namespace n, LATERAL aclexplode(n.nspacl) a \
        WHERE n.nspname !~ '^pg_' AND n.nspname <> 'information_schema' \
        UNION ALL SELECT n.nspname::text, n.nspowner::int8, 'OWNER' FROM pg_catalog.pg_namespace n \
        WHERE n.nspname !~ '^pg_' AND n.nspname <> 'information_schema' ORDER BY 1, 3
        """

    /// Client sessions now, other than discovery's own.
    static let sessions = """
        SELECT usename::text AS name, host(client_addr) AS address, application_name::text AS application, \
        to_char(backend_start AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS started \
        FROM pg_catalog.pg_stat_activity WHERE usename IS NOT NULL AND backend_type = 'client backend' \
        AND pid <> pg_backend_pid() ORDER BY usename, backend_start
        """
}
