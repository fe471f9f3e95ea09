#!/usr/bin/env bash
# SPIFFE interop: a real `tessera dev` server, a real `tessera agent` on a Unix socket, and clients nobody here
# wrote: py-spiffe (Workload API: X.509-SVID, bundles, JWT-SVID, validation) and openssl (chain verification).
# Attestation: a process of another uid gets a different identity, and one that matches no entry gets nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
VENV="$ROOT/.venv-spiffe"
if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
fi
"$VENV/bin/pip" install -q --disable-pip-version-check spiffe cryptography

swift build --product tessera >/dev/null
TESSERA=$(readlink -f "$ROOT/.build/debug/tessera")  # /proc/PID/exe shows the resolved path
WORK=$(mktemp -d /tmp/tessera-spiffe.XXXXXX)
chmod 755 "$WORK"
PORT=$("$VENV/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
TLS_PORT=$("$VENV/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
# HTTPS listener for mTLS client authentication at the token endpoint (RFC 8705).
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=127.0.0.1 \
    -addext subjectAltName=IP:127.0.0.1 -keyout "$WORK/server.key" -out "$WORK/server.pem" 2>/dev/null
"$TESSERA" dev --port "$PORT" --data-dir "$WORK/data" --tls-cert "$WORK/server.pem" --tls-key "$WORK/server.key" \
    --tls-port "$TLS_PORT" >"$WORK/server.log" 2>&1 &
SERVER=$!
AGENT=""
cleanup() {
    [ -n "$AGENT" ] && kill "$AGENT" 2>/dev/null || true
    kill "$SERVER" 2>/dev/null || true
    wait 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT
for _ in $(seq 1 100); do
    curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break
    sleep 0.1
done
export TESSERA_ADDR="http://127.0.0.1:$PORT"
export TESSERA_TOKEN=$(cat "$WORK/data/admin-token")

# SVID-only identities (issue 19, item 2): no registered key; they authenticate with what the agent gives them.
for name in interop-app interop-other; do
    "$TESSERA" identity create --spiffe-id "spiffe://example.org/$name" --kind service --owner interop@example.com \
        --purpose "SPIFFE interop test" --auth jwt_svid,tls_client_auth --audiences interop-db >/dev/null
done
OTHER_UID=65534
"$TESSERA" entry create --spiffe-id spiffe://example.org/interop-app --node interop-node --selector "unix:uid:$(id -u)" >/dev/null
"$TESSERA" entry create --spiffe-id spiffe://example.org/interop-other --node interop-node \
    --selector "unix:uid:$OTHER_UID" --selector "unix:path:$TESSERA" >/dev/null

SOCKET="$WORK/agent/api.sock"
# The dev server speaks plain HTTP on loopback: --insecure. The token goes through the environment, not argv (ps).
JOIN_TOKEN="$("$TESSERA" node token --node interop-node)"
TESSERA_JOIN_TOKEN="$JOIN_TOKEN" "$TESSERA" agent --server "$TESSERA_ADDR" --insecure \
    --socket "$SOCKET" --data-dir "$WORK/agent-data" --sync-interval 1 >"$WORK/agent.log" 2>&1 &
AGENT=$!
for _ in $(seq 1 100); do [ -S "$SOCKET" ] && break; sleep 0.1; done
# Issue 13 item 23: what `ps` shows of the agent carries no join token.
if tr '\0' ' ' <"/proc/$AGENT/cmdline" | grep -qF "$JOIN_TOKEN"; then
    echo "FAILED: the join token is visible in the agent's command line" >&2; exit 1
fi
chmod 755 "$WORK/agent"

echo "== py-spiffe"
SPIFFE_ENDPOINT_SOCKET="unix://$SOCKET" "$VENV/bin/python" scripts/interop/pyspiffe_client.py \
    spiffe://example.org/interop-app "$WORK"
echo "== openssl verify"
openssl verify -CAfile "$WORK/bundle.pem" "$WORK/svid.pem"
openssl x509 -in "$WORK/svid.pem" -noout -ext subjectAltName,basicConstraints,keyUsage

echo "== curl: mTLS client authentication with the X.509-SVID (RFC 8705 tls_client_auth)"
"$TESSERA" svid fetch --socket "$SOCKET" --write "$WORK/mtls" 2>/dev/null
curl -fsS --cert "$WORK/mtls/svid.pem" --key "$WORK/mtls/svid.key" --cacert "$WORK/server.pem" \
    "https://127.0.0.1:$TLS_PORT/oauth2/token" -d grant_type=client_credentials \
    -d client_id=spiffe://example.org/interop-app >"$WORK/mtls/token.json"
"$VENV/bin/python" - "$WORK/mtls/token.json" "$WORK/mtls/svid.pem" <<'PY'
import base64, hashlib, json, ssl, sys
token = json.load(open(sys.argv[1]))["access_token"]
payload = token.split(".")[1]
claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
leaf = open(sys.argv[2]).read().split("-----END CERTIFICATE-----")[0] + "-----END CERTIFICATE-----\n"
expected = base64.urlsafe_b64encode(hashlib.sha256(ssl.PEM_cert_to_DER_cert(leaf)).digest()).rstrip(b"=").decode()
assert claims["sub"] == "spiffe://example.org/interop-app", claims
assert claims["cnf"]["x5t#S256"] == expected, (claims, expected)
print("certificate-bound token for", claims["sub"], "x5t#S256", expected)
PY
if curl -fsS --cacert "$WORK/server.pem" "https://127.0.0.1:$TLS_PORT/oauth2/token" -d grant_type=client_credentials \
    -d client_id=spiffe://example.org/interop-app >/dev/null 2>&1; then
    echo "FAIL: a client without certificate or assertion got a token"; exit 1
fi
echo "no certificate, no assertion -> refused"

echo "== JWT-SVID as the client assertion: a token for an identity with no registered key"
"$TESSERA" svid fetch --socket "$SOCKET" --audience "$TESSERA_ADDR/oauth2/token" --json >"$WORK/jwt-svid.json"
SVID=$("$VENV/bin/python" -c 'import json,sys; print(json.load(open(sys.argv[1]))["svids"][0]["token"])' "$WORK/jwt-svid.json")
curl -fsS "$TESSERA_ADDR/oauth2/token" -d grant_type=client_credentials \
    --data-urlencode client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer \
    --data-urlencode "client_assertion=$SVID" >"$WORK/jwt-token.json"
"$VENV/bin/python" - "$WORK/jwt-token.json" <<'PY'
import base64, json, sys
token = json.load(open(sys.argv[1]))["access_token"]
payload = token.split(".")[1]
claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
assert claims["sub"] == "spiffe://example.org/interop-app", claims
print("JWT-SVID client assertion -> access token for", claims["sub"])
PY
# A key the attacker made up cannot authenticate an identity that declared no private_key_jwt.
openssl ecparam -name prime256v1 -genkey -noout 2>/dev/null | openssl pkcs8 -topk8 -nocrypt -out "$WORK/attacker.key"
if "$TESSERA" token request --client-id spiffe://example.org/interop-app --key "$WORK/attacker.key" >"$WORK/attacker.out" 2>&1; then
    echo "FAIL: a made-up key got a token for an SVID-only identity"; exit 1
fi
grep -q "does not authenticate with private_key_jwt" "$WORK/attacker.out" || { echo "FAIL: $(cat "$WORK/attacker.out")"; exit 1; }
echo "made-up key for an SVID-only identity -> refused (invalid_client)"

if [ "$(id -u)" = 0 ]; then
    echo "== attestation: uid $OTHER_UID running the tessera binary gets its own identity"
    OUT=$(setpriv --reuid "$OTHER_UID" --regid "$OTHER_UID" --clear-groups "$TESSERA" svid fetch --socket "$SOCKET" 2>&1 >/dev/null)
    echo "$OUT" | grep -q "^spiffe://example.org/interop-other$" || { echo "FAIL: $OUT"; exit 1; }
    echo "uid $OTHER_UID -> spiffe://example.org/interop-other"
    echo "== attestation: uid $OTHER_UID with another executable matches nothing"
    cp "$TESSERA" "$WORK/other-binary" && chmod 755 "$WORK/other-binary"
    if setpriv --reuid "$OTHER_UID" --regid "$OTHER_UID" --clear-groups "$WORK/other-binary" svid fetch --socket "$SOCKET" \
        >"$WORK/denied.out" 2>&1; then
        echo "FAIL: a process matching no entry got an SVID"; exit 1
    fi
    grep -q "permissionDenied" "$WORK/denied.out" || { echo "FAIL: $(cat "$WORK/denied.out")"; exit 1; }
    echo "uid $OTHER_UID, other executable -> PermissionDenied"
else
    echo "(not root: skipping the other-uid attestation checks)"
fi

kill "$AGENT"; kill "$SERVER"; wait 2>/dev/null || true
AGENT=""
"$TESSERA" audit verify --data-dir "$WORK/data"
echo "SPIFFE interop: OK"
