#!/usr/bin/env bash
# Crash test (issue 6): kill -9 a real `tessera dev` server after it created dynamic PostgreSQL roles, let one
# task's deadline pass while it is down, restart it, and show that the sweeper drops the expired task's role,
# keeps the live one (still able to log in), drops a role no lease accounts for, and that no lease was lost.
# Needs TESSERA_TEST_POSTGRES_URL (scripts/test starts PostgreSQL).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
: "${TESSERA_TEST_POSTGRES_URL:?run from scripts/test, which starts PostgreSQL}"
swift build --product tessera >/dev/null
TESSERA="$ROOT/.build/debug/tessera"
WORK=$(mktemp -d /tmp/tessera-crash.XXXXXX)
SERVER=""
cleanup() { [ -n "$SERVER" ] && kill -9 "$SERVER" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
fail() { echo "crash test FAILED: $*" >&2; [ -f "$WORK/server.log" ] && tail -20 "$WORK/server.log" >&2; exit 1; }
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export TESSERA_ADDR="http://127.0.0.1:$PORT"
PG="$TESSERA_TEST_POSTGRES_URL"
roles() { psql "$PG" -Atc "SELECT rolname FROM pg_roles WHERE rolname LIKE 'tsr_%' ORDER BY 1"; }
start() {
    TESSERA_DYNAMIC_POSTGRES_URL="$PG" "$TESSERA" dev --port "$PORT" --data-dir "$WORK/data" \
        --postgres-roles "$WORK/roles.json" --log-level warning >>"$WORK/server.log" 2>&1 &
    SERVER=$!
    for _ in $(seq 1 100); do curl -fsS "$TESSERA_ADDR/healthz" >/dev/null 2>&1 && return; sleep 0.1; done
    fail "server did not start"
}
cat >"$WORK/roles.json" <<'JSON'
{"read": {"creation": ["CREATE ROLE {{name}} LOGIN PASSWORD {{password}} VALID UNTIL {{expiry}} IN ROLE app_read"], "max_ttl": 3600}}
JSON
for role in $(roles); do psql "$PG" -qc "DROP ROLE \"$role\"" >/dev/null; done
start
export TESSERA_TOKEN=$(cat "$WORK/data/admin-token")
# A second server on the same data folder (issue 13, attacker finding F3) is refused at once with a clear error,
# instead of interleaving the audit chain and then answering 503 forever. The restart after kill -9 below shows the
# lock dies with its process.
PORT2=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
if timeout 60 "$TESSERA" dev --port "$PORT2" --data-dir "$WORK/data" --log-level warning >"$WORK/second.log" 2>&1; then
    fail "a second server started on the same data folder"
fi
grep -q "is using the data folder" "$WORK/second.log" || fail "second server: $(cat "$WORK/second.log")"
curl -fsS "$TESSERA_ADDR/healthz" >/dev/null || fail "the first server stopped answering"
# `tessera health` (the container HEALTHCHECK, issue 19 item 8): exit 0 from /readyz while ready, 1 when down.
"$TESSERA" health --json | python3 -c 'import json,sys; assert json.load(sys.stdin)["status"] == "ready"' \
    || fail "tessera health did not report ready"
openssl ecparam -name prime256v1 -genkey -noout 2>/dev/null | openssl pkcs8 -topk8 -nocrypt -out "$WORK/client.key"
openssl pkey -in "$WORK/client.key" -pubout -out "$WORK/client.pub"
ID=spiffe://example.org/legacy-report
"$TESSERA" identity create --spiffe-id "$ID" --kind service --owner ops@example.com --purpose "crash test" \
    --scopes db:read --public-key "$WORK/client.pub" --trust-boundary reporting-vpc >/dev/null
# `identity list --trust-boundary` filters as GET /v1/identities?trust_boundary= does (issue 19, item 6).
count() { "$TESSERA" identity list --trust-boundary "$1" --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["identities"]))'; }
[ "$(count reporting-vpc)" = 1 ] && [ "$(count elsewhere)" = 0 ] || fail "identity list --trust-boundary did not filter"
LONG=$("$TESSERA" task start --intent "long export" --identities "$ID" --scopes db:read --ttl 600 --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
SHORT=$("$TESSERA" task start --intent "short export" --identities "$ID" --scopes db:read --ttl 4 --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
creds() {
    local token
    token=$("$TESSERA" token request --client-id "$ID" --key "$WORK/client.key" --task "$1")
    "$TESSERA" db creds --role read --access-token "$token" --json
}
LONG_CREDS=$(creds "$LONG"); SHORT_CREDS=$(creds "$SHORT")
LONG_USER=$(echo "$LONG_CREDS" | python3 -c 'import json,sys; print(json.load(sys.stdin)["username"])')
LONG_PASS=$(echo "$LONG_CREDS" | python3 -c 'import json,sys; print(json.load(sys.stdin)["password"])')
SHORT_USER=$(echo "$SHORT_CREDS" | python3 -c 'import json,sys; print(json.load(sys.stdin)["username"])')
LEASES_BEFORE=$("$TESSERA" lease list --json | python3 -c 'import json,sys; print(sorted(l["id"] for l in json.load(sys.stdin)["leases"]))')

kill -9 "$SERVER"; wait "$SERVER" 2>/dev/null || true; SERVER=""
if "$TESSERA" health --timeout 2 >/dev/null 2>&1; then fail "tessera health passed with the server down"; fi
[ "$(roles | grep -c .)" = 2 ] || fail "expected the 2 roles to survive the crash, got: $(roles)"
# A role created just before a crash, whose lease never became durable, must not survive either.
ORPHAN=tsr_deadbeefcafe0001
psql "$PG" -qc "CREATE ROLE $ORPHAN LOGIN PASSWORD 'x' IN ROLE app_read" >/dev/null
sleep 5   # the short task's deadline passes while the server is down

start
for _ in $(seq 1 50); do
    R=$(roles)
    if ! echo "$R" | grep -q "$SHORT_USER" && ! echo "$R" | grep -q "$ORPHAN"; then break; fi
    sleep 0.2
done
R=$(roles)
echo "$R" | grep -q "$SHORT_USER" && fail "the expired task's role $SHORT_USER was not dropped after restart"
echo "$R" | grep -q "$ORPHAN" && fail "the orphan role was not dropped after restart"
echo "$R" | grep -q "$LONG_USER" || fail "the live task's role $LONG_USER was dropped"
PGPASSWORD="$LONG_PASS" psql "$(echo "$PG" | sed -E "s#://[^@]+@#://$LONG_USER@#")" -Atc "SELECT 1" >/dev/null \
    || fail "the live role can no longer log in"
LEASES_AFTER=$("$TESSERA" lease list --json | python3 -c 'import json,sys; print(sorted(l["id"] for l in json.load(sys.stdin)["leases"]))')
[ "$LEASES_BEFORE" = "$LEASES_AFTER" ] || fail "leases changed across the crash: $LEASES_BEFORE vs $LEASES_AFTER"
LIVE=$("$TESSERA" lease list --live --kind postgres_role --json | python3 -c 'import json,sys; print(" ".join(l["id"] for l in json.load(sys.stdin)["leases"]))')
[ "$LIVE" = "$LONG_USER" ] || fail "live database leases after restart: '$LIVE', expected only $LONG_USER"
kill "$SERVER"; wait "$SERVER" 2>/dev/null || true; SERVER=""
"$TESSERA" audit verify --data-dir "$WORK/data" >/dev/null || fail "audit chain broken after the crash"
"$TESSERA" audit export --data-dir "$WORK/data" | grep -q '"type":"secret.orphan_dropped"' || fail "orphan drop not audited"
psql "$PG" -qc "DROP ROLE IF EXISTS \"$LONG_USER\"" >/dev/null
echo "crash recovery: ok (expired role dropped after restart, live role kept, orphan dropped, $(echo "$LEASES_AFTER" | tr -cd , | wc -c | awk '{print $1+1}') leases intact, audit chain intact)"
