"""Outbound federation against relying parties nobody here wrote (docs/federation-out.md).

Driven by scripts/e2e/federation-out/run, which starts `tessera dev` (ES256, with --jwt-issuer), a second `tessera dev`
for another trust domain (partner.test, RS256 access tokens), `tessera agent`, and an OpenBao dev server whose JWT
auth mounts are configured from Tessera's issuer URLs only (oidc_discovery_url). This script then plays the
workloads and the relying parties:

- OpenBao: logs in with Tessera access tokens and JWT-SVIDs, and must refuse another audience, an expired token, a
  token signed by a retired key; keeps accepting after scheduled and immediate key rotations; ES256 and RS256.
- PyJWT: PyJWKClient on the jwks_uri read from discovery, jwt.decode with issuer and audience.
- authlib: discovery, JWKS, JsonWebToken.decode + claims.validate with iss/aud.
- Another Tessera trust domain: exchanges our JWT-SVID (trusted issuer by discovery, rule on sub) for its token.
- The documents themselves: Cache-Control max-age, no private key members, small, `tessera federation publish`
  byte-identical to what the server serves.

Every check is recorded as (relying party, token kind, case, expected, got, detail); the table is printed at the end
and the exit status is non-zero if any result differs from the expectation.
"""

import argparse
import json
import os
import subprocess
import sys
import time
import warnings
from urllib.parse import urlsplit

import jwt  # PyJWT
import requests

# authlib announces that authlib.jose moves to joserfc (compatible until authlib 2.0); it is the API under test. Its
# warning module installs an "always" filter when imported, so ours goes in after it.
from authlib.deprecate import AuthlibDeprecationWarning  # noqa: E402

warnings.filterwarnings("ignore", message="authlib.jose module is deprecated", category=AuthlibDeprecationWarning)
from authlib.jose import JsonWebKey, JsonWebToken  # noqa: E402
from authlib.jose.errors import JoseError  # noqa: E402

PRIVATE_MEMBERS = {"d", "p", "q", "dp", "dq", "qi", "oth", "k"}
MAX_DOCUMENT_BYTES = 8 * 1024

parser = argparse.ArgumentParser()
parser.add_argument("--tessera", required=True)
parser.add_argument("--server", required=True, help="OAuth issuer of the ES256 server")
parser.add_argument("--jwt-issuer", required=True)
parser.add_argument("--partner", required=True, help="OAuth issuer of the partner.test server (RS256)")
parser.add_argument("--partner-token-file", required=True)
parser.add_argument("--socket", required=True, help="Workload API socket of tessera agent")
parser.add_argument("--bao", required=True)
parser.add_argument("--work", required=True)
parser.add_argument("--key-dir", required=True)
args = parser.parse_args()

BILLING = "spiffe://example.org/billing"
PARTNER_BILLING = "spiffe://partner.test/billing"
MIRROR = "spiffe://partner.test/billing-mirror"
SHORT = "spiffe://example.org/billing-short"
RESULTS = []
STARTED = time.monotonic()


def log(message):
    print(f"[{time.monotonic() - STARTED:5.1f}s] {message}", flush=True)


def record(party, kind, case, expect_accept, accepted, detail=""):
    ok = expect_accept == accepted
    RESULTS.append((party, kind, case, expect_accept, accepted, ok, detail))
    verdict = "ok  " if ok else "FAIL"
    got = "accepted" if accepted else "refused"
    log(f"{verdict} {party:20} {kind:22} {case:54} {got}{(': ' + detail) if detail else ''}")


def check(party, kind, case, expect_accept, outcome, reason=None):
    """outcome = (accepted, detail). For an expected refusal, `reason` (lowercase words, any of them) must appear
    in the relying party's message, so a token refused for the wrong reason does not pass."""
    accepted, detail = outcome
    if not expect_accept and not accepted and reason and not any(word in detail.lower() for word in reason):
        record(party, kind, case + " (wrong reason)", expect_accept, True, detail)
        return
    record(party, kind, case, expect_accept, accepted, detail)


# --- Tessera as the workload sees it -------------------------------------------------------------------------------

def tessera(*argv, server=None, token_file=None):
    env = dict(os.environ)
    if server:
        env["TESSERA_ADDR"] = server
    if token_file:
        env["TESSERA_TOKEN"] = open(token_file).read().strip()
    run = subprocess.run([args.tessera, *argv], capture_output=True, text=True, env=env, timeout=60)
    return run.returncode, run.stdout, run.stderr.strip()


def tessera_json(*argv, **kwargs):
    code, out, err = tessera(*argv, **kwargs)
    if code != 0:
        raise SystemExit(f"FAIL: tessera {' '.join(argv)} exited {code}: {err}")
    return json.loads(out)


def access_token(client, audience, server=None, token_file=None):
    name = client.rsplit("/", 1)[1]
    return tessera_json("token", "request", "--client-id", client, "--key", f"{args.key_dir}/{name}.key",
                        "--audience", audience, "--json", server=server, token_file=token_file)["access_token"]


def jwt_svids(audience):
    """All JWT-SVIDs the agent hands this process for `audience`, by SPIFFE ID (two entries match our uid)."""
    answer = tessera_json("svid", "fetch", "--socket", args.socket, "--jwt", "--audience", audience, "--json")
    return {svid["spiffe_id"]: svid["token"] for svid in answer["svids"]}


def header(token):
    return jwt.get_unverified_header(token)


def claims(token):
    return jwt.decode(token, options={"verify_signature": False})


def active_kid(purpose):
    keys = tessera_json("keys", "list", "--purpose", purpose, "--json")["keys"]
    return next(key["kid"] for key in keys if key["status"] == "active")


# --- Relying party 1: OpenBao -------------------------------------------------------------------------------------

def bao_login(mount, role, token):
    response = requests.post(f"{args.bao}/v1/auth/{mount}/login", json={"role": role, "jwt": token}, timeout=20)
    if response.status_code == 200:
        auth = response.json()["auth"]
        return True, f"bao token, ttl {auth['lease_duration']}s, role {auth['metadata'].get('role')}"
    try:
        message = "; ".join(response.json().get("errors", []))
    except ValueError:
        message = response.text
    return False, f"{response.status_code} {message}"


# --- Relying party 2: PyJWT ---------------------------------------------------------------------------------------

DISCOVERY = {}


def discovery(issuer):
    if issuer not in DISCOVERY:
        DISCOVERY[issuer] = requests.get(f"{issuer}/.well-known/openid-configuration", timeout=10).json()
    return DISCOVERY[issuer]


PYJWK_CLIENTS = {}


def pyjwt_validate(issuer, audience, token, key_set=None):
    """Only the issuer URL is configured: discovery gives jwks_uri and the algorithms."""
    meta = discovery(issuer)
    try:
        if key_set is None:
            client = PYJWK_CLIENTS.setdefault(issuer, jwt.PyJWKClient(meta["jwks_uri"]))
            key = client.get_signing_key_from_jwt(token)
        else:  # a key set cached earlier; no fetch at all
            key = key_set[header(token)["kid"]]
        decoded = jwt.decode(token, key, algorithms=meta["id_token_signing_alg_values_supported"],
                             audience=audience, issuer=issuer, options={"require": ["exp", "iat", "sub"]})
        return True, f"sub {decoded['sub']}, alg {header(token)['alg']}"
    except (jwt.PyJWTError, KeyError) as error:
        return False, f"{type(error).__name__}: {error}"


# --- Relying party 3: authlib -------------------------------------------------------------------------------------

def authlib_validate(issuer, audience, token):
    meta = requests.get(f"{issuer}/.well-known/openid-configuration", timeout=10).json()
    keys = JsonWebKey.import_key_set(requests.get(meta["jwks_uri"], timeout=10).json())
    try:
        decoded = JsonWebToken(meta["id_token_signing_alg_values_supported"]).decode(
            token, key=keys,
            claims_options={"iss": {"essential": True, "value": issuer},
                            "aud": {"essential": True, "value": audience},
                            "sub": {"essential": True}, "exp": {"essential": True}})
        decoded.validate(leeway=0)
        return True, f"sub {decoded['sub']}, alg {header(token)['alg']}"
    except (JoseError, ValueError) as error:
        return False, f"{type(error).__name__}: {error}"


# --- The documents ------------------------------------------------------------------------------------------------

def private_members(document):
    found = set()
    if isinstance(document, dict):
        for name, value in document.items():
            if name in PRIVATE_MEMBERS:
                found.add(name)
            found |= private_members(value)
    elif isinstance(document, list):
        for value in document:
            found |= private_members(value)
    return found


def check_document(label, url):
    response = requests.get(url, timeout=10)
    body = response.content
    cache = response.headers.get("Cache-Control", "")
    max_age = next((int(part.split("=", 1)[1]) for part in cache.replace(" ", "").split(",")
                    if part.startswith("max-age=")), 0)
    document = response.json()
    leaked = private_members(document)
    problems = []
    if response.status_code != 200:
        problems.append(f"status {response.status_code}")
    if max_age <= 0:
        problems.append(f"Cache-Control {cache!r} has no max-age")
    if leaked:
        problems.append(f"private members {sorted(leaked)}")
    if len(body) >= MAX_DOCUMENT_BYTES:
        problems.append(f"{len(body)} bytes")
    detail = f"{len(body)} B, Cache-Control: {cache}" if not problems else ", ".join(problems)
    record("documents", label, urlsplit(url).path, True, not problems, detail)
    return document, body


def check_discovery(label, issuer, jwks_uri):
    document, _ = check_document(f"{label} discovery", f"{issuer}/.well-known/openid-configuration")
    problems = []
    if document.get("issuer") != issuer:
        problems.append(f"issuer {document.get('issuer')!r}")
    if document.get("jwks_uri") != jwks_uri:
        problems.append(f"jwks_uri {document.get('jwks_uri')!r}")
    if document.get("response_types_supported") != ["id_token"]:
        problems.append("response_types_supported")
    if "public" not in document.get("subject_types_supported", []):
        problems.append("subject_types_supported")
    if not document.get("id_token_signing_alg_values_supported"):
        problems.append("id_token_signing_alg_values_supported")
    record("documents", f"{label} discovery", "OIDC fields (issuer, jwks_uri, id_token algs)", True, not problems,
           ", ".join(problems) or f"algs {document['id_token_signing_alg_values_supported']}")
    check_document(f"{label} keys", jwks_uri)


def check_publish(step):
    out = f"{args.work}/published-{step}"
    tessera_json("federation", "publish", "--out", out, "--json")
    same = []
    for served, written in ((f"{args.jwt_issuer}/.well-known/openid-configuration", ".well-known/openid-configuration"),
                            (f"{args.jwt_issuer}/keys", "keys")):
        same.append(requests.get(served, timeout=10).content == open(f"{out}/{written}", "rb").read())
    record("documents", "federation publish", f"byte-identical to the server ({step})", True, all(same),
           "discovery and keys identical" if all(same) else f"identical: {same}")


# --- The scenario -------------------------------------------------------------------------------------------------

AT, SVID = "access token", "JWT-SVID"
ISS, JWT_ISS = args.server, args.jwt_issuer
AT_MOUNT, SVID_MOUNT, RSA_MOUNT = "tessera-at", "tessera-svid", "tessera-rsa"

log("== tokens from Tessera (client_credentials + private_key_jwt; the agent's Workload API)")
# The short-lived ones first, so their expiry overlaps the rest of the run.
short_svid = jwt_svids("bao-svid")[SHORT]
svids = jwt_svids("bao-svid")
svid_ok = svids[BILLING]
at_ok = access_token(BILLING, "bao-access")
at_other = access_token(BILLING, "other-aud")
svid_other = jwt_svids("other-aud")[BILLING]
svid_for_at_mount = jwt_svids("bao-access")[BILLING]
for name, token in (("access token", at_ok), ("JWT-SVID", svid_ok)):
    log(f"   {name}: header {json.dumps(header(token))} claims {json.dumps(claims(token))}")
assert claims(at_ok)["sub"] == BILLING and claims(svid_ok)["sub"] == BILLING, "sub must be the SPIFFE ID"
assert claims(svid_ok)["iss"] == JWT_ISS and claims(at_ok)["iss"] == ISS

code, _, err = tessera("token", "request", "--client-id", BILLING, "--key", f"{args.key_dir}/billing.key",
                       "--audience", "https://not-allowed.example")
record("Tessera", AT, "audience not in the identity's audiences", False, code == 0, err.splitlines()[-1] if err else "")
code, _, err = tessera("svid", "fetch", "--socket", args.socket, "--jwt", "--audience", "https://not-allowed.example")
record("Tessera", SVID, "audience not in the identity's audiences", False, code == 0,
       err.splitlines()[-1] if err else "")
# Allowed by the inventory, refused by a Cedar policy (aws-sts-prod-only: these identities are not prod).
code, _, err = tessera("token", "request", "--client-id", BILLING, "--key", f"{args.key_dir}/billing.key",
                       "--audience", "sts.amazonaws.com")
check("Tessera", AT, "allowed audience, Cedar forbids (aws-sts-prod-only)", False,
      (code == 0, err.splitlines()[-1] if err else ""), reason=("aws-sts-prod-only", "polic"))
code, _, err = tessera("svid", "fetch", "--socket", args.socket, "--jwt", "--audience", "sts.amazonaws.com")
check("Tessera", SVID, "allowed audience, Cedar forbids (aws-sts-prod-only)", False,
      (code == 0, err.splitlines()[-1] if err else ""), reason=("aws-sts-prod-only", "polic"))

log("== the documents")
check_discovery("OAuth", ISS, f"{ISS}/.well-known/jwks.json")
check_discovery("JWT-SVID", JWT_ISS, f"{JWT_ISS}/keys")
check_discovery("RS256 OAuth", args.partner, f"{args.partner}/.well-known/jwks.json")
check_publish("initial keys")

log("== OpenBao, PyJWT, authlib: the right audience is accepted, another is refused")
check("OpenBao", f"{AT} ES256", "aud bao-access, role bound to it", True, bao_login(AT_MOUNT, "billing", at_ok))
check("OpenBao", f"{SVID} ES256", "aud bao-svid, role bound to it", True, bao_login(SVID_MOUNT, "billing", svid_ok))
check("OpenBao", f"{AT} ES256", "aud other-aud (another audience)", False,
      bao_login(AT_MOUNT, "billing", at_other), reason=("aud",))
check("OpenBao", f"{SVID} ES256", "aud other-aud (another audience)", False,
      bao_login(SVID_MOUNT, "billing", svid_other), reason=("aud",))
check("OpenBao", f"{SVID} ES256", "JWT-SVID at the access-token mount", False,
      bao_login(AT_MOUNT, "billing", svid_for_at_mount), reason=("issuer", "iss", "signature", "verify"))
short_at = access_token(SHORT, "bao-access")
check("OpenBao", f"{AT} ES256", "fresh 10 s token, before it expires", True, bao_login(AT_MOUNT, "short", short_at))
check("OpenBao", f"{SVID} ES256", "fresh 30 s JWT-SVID, before it expires", True,
      bao_login(SVID_MOUNT, "short", short_svid))
check("PyJWT", f"{AT} ES256", "issuer URL only, aud bao-access", True, pyjwt_validate(ISS, "bao-access", at_ok))
check("PyJWT", f"{SVID} ES256", "issuer URL only, aud bao-svid", True, pyjwt_validate(JWT_ISS, "bao-svid", svid_ok))
check("PyJWT", f"{AT} ES256", "aud other-aud (another audience)", False,
      pyjwt_validate(ISS, "bao-access", at_other), reason=("audience",))
check("PyJWT", f"{SVID} ES256", "aud other-aud (another audience)", False,
      pyjwt_validate(JWT_ISS, "bao-svid", svid_other), reason=("audience",))
check("authlib", f"{AT} ES256", "discovery, aud bao-access", True, authlib_validate(ISS, "bao-access", at_ok))
check("authlib", f"{SVID} ES256", "discovery, aud bao-svid", True, authlib_validate(JWT_ISS, "bao-svid", svid_ok))
check("authlib", f"{AT} ES256", "aud other-aud (another audience)", False,
      authlib_validate(ISS, "bao-access", at_other), reason=("aud",))
check("authlib", f"{SVID} ES256", "aud other-aud (another audience)", False,
      authlib_validate(JWT_ISS, "bao-svid", svid_other), reason=("aud",))

log("== another Tessera trust domain (partner.test) exchanges our JWT-SVID: trusted issuer + rule on sub")


def partner_exchange(token):
    path = f"{args.work}/subject.jwt"
    with open(path, "w") as file:
        file.write(token)
    code, out, err = tessera("token", "exchange", "--subject-token", f"@{path}", "--subject-token-type", "jwt",
                             "--audience", "partner-api", "--json", server=args.partner,
                             token_file=args.partner_token_file)
    if code != 0:
        return False, err.splitlines()[-1] if err else f"exit {code}"
    exchanged = claims(json.loads(out)["access_token"])
    return exchanged["sub"] == MIRROR, f"partner token: sub {exchanged['sub']}, iss {exchanged['iss']}"


check("Tessera partner.test", f"{SVID} ES256", "token exchange, aud partner.test, rule on sub", True,
      partner_exchange(jwt_svids("partner.test")[BILLING]))
check("Tessera partner.test", f"{SVID} ES256", "aud other-aud (another audience)", False,
      partner_exchange(svid_other), reason=("aud",))
check("Tessera partner.test", f"{AT} ES256", "access token: not the trusted issuer", False,
      partner_exchange(at_ok), reason=("issuer", "iss", "trusted"))

log("== scheduled rotation: the next keys are published before they sign (--key-prepublish)")
old_kids = {"access-token": active_kid("access-token"), "jwt-svid": active_kid("jwt-svid")}
rotated = {purpose: tessera_json("keys", "rotate", "--purpose", purpose, "--json")
           for purpose in ("access-token", "jwt-svid")}
next_kids = {purpose: answer["kid"] for purpose, answer in rotated.items()}
# What a relying party that cached the key sets right now holds; it never fetches again below.
cached = {issuer: {key["kid"]: jwt.PyJWK(key) for key in requests.get(uri, timeout=10).json()["keys"]}
          for issuer, uri in ((ISS, f"{ISS}/.well-known/jwks.json"), (JWT_ISS, f"{JWT_ISS}/keys"))}
pending = access_token(BILLING, "bao-access")
# Judged only if the switch had not happened yet (it cannot before --key-prepublish, 10 s, has passed).
still_next = {key["kid"] for key in tessera_json("keys", "list", "--json")["keys"] if key["status"] == "next"}
before_switch = set(next_kids.values()) <= still_next
record("documents", "JWKS after rotate", "next keys published before they sign", True,
       before_switch and next_kids["access-token"] in cached[ISS] and next_kids["jwt-svid"] in cached[JWT_ISS],
       f"next {next_kids['access-token'][:8]}… / {next_kids['jwt-svid'][:8]}… in the key sets" if before_switch
       else "the next keys already sign: the key sets were not taken before the switch (machine too slow?)")
record("Tessera", AT, "still signed by the old key before the switch", True,
       header(pending)["kid"] == old_kids["access-token"], f"kid {header(pending)['kid'][:8]}…")
check_publish("next key pre-published")
deadline = time.monotonic() + 120  # servers look for due keys every 15 s; a loaded runner delays timers
while time.monotonic() < deadline:
    if active_kid("access-token") == next_kids["access-token"] and active_kid("jwt-svid") == next_kids["jwt-svid"]:
        break
    time.sleep(1)
log(f"   next keys sign now (active_at {rotated['access-token']['active_at']})")
at_new = access_token(BILLING, "bao-access")
svid_new = jwt_svids("bao-svid")[BILLING]
record("Tessera", AT, "signed by the next key after the switch", True,
       header(at_new)["kid"] == next_kids["access-token"], f"kid {header(at_new)['kid'][:8]}…")
record("Tessera", SVID, "signed by the next key after the switch", True,
       header(svid_new)["kid"] == next_kids["jwt-svid"], f"kid {header(svid_new)['kid'][:8]}…")
check("OpenBao", f"{AT} ES256", "after scheduled rotation, no reconfiguration", True,
      bao_login(AT_MOUNT, "billing", at_new))
check("OpenBao", f"{SVID} ES256", "after scheduled rotation, no reconfiguration", True,
      bao_login(SVID_MOUNT, "billing", svid_new))
check("OpenBao", f"{AT} ES256", "old key's token after rotation (still published)", True,
      bao_login(AT_MOUNT, "billing", at_ok))
check("PyJWT", f"{AT} ES256", "key set cached before the switch, no refetch", True,
      pyjwt_validate(ISS, "bao-access", at_new, key_set=cached[ISS]))
check("PyJWT", f"{SVID} ES256", "key set cached before the switch, no refetch", True,
      pyjwt_validate(JWT_ISS, "bao-svid", svid_new, key_set=cached[JWT_ISS]))
check("authlib", f"{AT} ES256", "after scheduled rotation", True, authlib_validate(ISS, "bao-access", at_new))
check("authlib", f"{SVID} ES256", "after scheduled rotation", True, authlib_validate(JWT_ISS, "bao-svid", svid_new))

log("== expired tokens (OpenBao leeways set to 1 s on these roles)")
for token in (short_at, short_svid):
    wait = claims(token)["exp"] + 3 - time.time()
    if wait > 0:
        log(f"   waiting {wait:.0f} s for exp + leeway")
        time.sleep(wait)
check("OpenBao", f"{AT} ES256", "the same 10 s token after exp", False, bao_login(AT_MOUNT, "short", short_at),
      reason=("expired", "exp"))
check("OpenBao", f"{SVID} ES256", "the same 30 s JWT-SVID after exp", False,
      bao_login(SVID_MOUNT, "short", short_svid), reason=("expired", "exp"))
check("PyJWT", f"{AT} ES256", "expired", False, pyjwt_validate(ISS, "bao-access", short_at), reason=("expired",))
check("PyJWT", f"{SVID} ES256", "expired", False, pyjwt_validate(JWT_ISS, "bao-svid", short_svid), reason=("expired",))
check("authlib", f"{AT} ES256", "expired", False, authlib_validate(ISS, "bao-access", short_at), reason=("expired",))
check("authlib", f"{SVID} ES256", "expired", False, authlib_validate(JWT_ISS, "bao-svid", short_svid),
      reason=("expired",))

log("== keys rotate --now: the first key is retired; what it signed is refused")
for purpose in ("access-token", "jwt-svid"):
    tessera_json("keys", "rotate", "--purpose", purpose, "--now", "--json")
retired = [key["kid"] for key in tessera_json("keys", "list", "--json")["keys"] if key["status"] == "retired"]
record("Tessera", "keys list", "first keys retired", True,
       old_kids["access-token"] in retired and old_kids["jwt-svid"] in retired, f"{len(retired)} retired")
# A fresh token with an unknown kid makes OpenBao (go-oidc) refetch the key set, which no longer has the first key.
check("OpenBao", f"{AT} ES256", "fresh token after rotate --now (refetch)", True,
      bao_login(AT_MOUNT, "billing", access_token(BILLING, "bao-access")))
check("OpenBao", f"{SVID} ES256", "fresh JWT-SVID after rotate --now (refetch)", True,
      bao_login(SVID_MOUNT, "billing", jwt_svids("bao-svid")[BILLING]))
check("OpenBao", f"{AT} ES256", "unexpired token of a retired key", False, bao_login(AT_MOUNT, "billing", at_ok),
      reason=("signature", "verify", "key"))
check("OpenBao", f"{SVID} ES256", "unexpired JWT-SVID of a retired key", False,
      bao_login(SVID_MOUNT, "billing", svid_ok), reason=("signature", "verify", "key"))
# PyJWKClient caches the key set (lifespan 300 s) and refetches only for an unknown kid: until its cache expires it
# still holds the retired key and accepts what it signed. That is the relying party's cache, not Tessera: retirement
# reaches a relying party when it refetches (at most the JWKS max-age, 300 s, for one that honours it).
check("PyJWT", f"{AT} ES256", "retired key, PyJWKClient cache not yet expired", True,
      pyjwt_validate(ISS, "bao-access", at_ok))
PYJWK_CLIENTS.clear()  # a relying party whose cache has expired (or a new one)
check("PyJWT", f"{AT} ES256", "unexpired token of a retired key (fresh key set)", False,
      pyjwt_validate(ISS, "bao-access", at_ok), reason=("signing key", "kid"))
check("PyJWT", f"{SVID} ES256", "unexpired JWT-SVID of a retired key (fresh set)", False,
      pyjwt_validate(JWT_ISS, "bao-svid", svid_ok), reason=("signing key", "kid"))
check("authlib", f"{AT} ES256", "unexpired token of a retired key", False, authlib_validate(ISS, "bao-access", at_ok),
      reason=("key", "kid"))
check("authlib", f"{SVID} ES256", "unexpired JWT-SVID of a retired key", False,
      authlib_validate(JWT_ISS, "bao-svid", svid_ok), reason=("key", "kid"))

log("== RS256: partner.test runs --access-token-algorithm RS256; our JWT-SVID key is rotated to RS256")
rsa_at = access_token(PARTNER_BILLING, "bao-access", server=args.partner, token_file=args.partner_token_file)
rsa_other = access_token(PARTNER_BILLING, "other-aud", server=args.partner, token_file=args.partner_token_file)
record("Tessera", AT, "--access-token-algorithm RS256 signs RS256", True, header(rsa_at)["alg"] == "RS256",
       f"alg {header(rsa_at)['alg']}")
# PyJWT >= 2.10 refetches a key set for an unknown kid at most once per cooldown (default 30 s after any fetch). A
# client that fetched just before a `--now` rotation refuses the new key's tokens until then: what pre-publication
# avoids. (A long cooldown here keeps the check independent of how slow the machine is.)
cooling = jwt.PyJWKClient(f"{JWT_ISS}/keys", cooldown_duration=3600)
cooling.get_signing_keys()
tessera_json("keys", "rotate", "--purpose", "jwt-svid", "--algorithm", "RS256", "--now", "--json")
rsa_svid = jwt_svids("bao-svid")[BILLING]
record("Tessera", SVID, "keys rotate --algorithm RS256 --now", True, header(rsa_svid)["alg"] == "RS256",
       f"alg {header(rsa_svid)['alg']}")
try:
    cooling.get_signing_key_from_jwt(rsa_svid)
    record("PyJWT", f"{SVID} RS256", "--now key, JWKS refetch still in cooldown", False, True)
except jwt.PyJWKClientError as error:
    record("PyJWT", f"{SVID} RS256", "--now key, JWKS refetch still in cooldown", False, False, str(error))
DISCOVERY.clear()  # the JWT-SVID issuer now also announces RS256
PYJWK_CLIENTS.clear()  # relying parties that fetch the key set now
check("OpenBao", f"{AT} RS256", "aud bao-access, role bound to it", True, bao_login(RSA_MOUNT, "billing", rsa_at))
check("OpenBao", f"{AT} RS256", "aud other-aud (another audience)", False,
      bao_login(RSA_MOUNT, "billing", rsa_other), reason=("aud",))
check("OpenBao", f"{SVID} RS256", "aud bao-svid, after the algorithm change", True,
      bao_login(SVID_MOUNT, "billing", rsa_svid))
check("PyJWT", f"{AT} RS256", "issuer URL only", True, pyjwt_validate(args.partner, "bao-access", rsa_at))
check("PyJWT", f"{SVID} RS256", "issuer URL only", True, pyjwt_validate(JWT_ISS, "bao-svid", rsa_svid))
check("PyJWT", f"{AT} RS256", "aud other-aud (another audience)", False,
      pyjwt_validate(args.partner, "bao-access", rsa_other), reason=("audience",))
check("authlib", f"{AT} RS256", "discovery", True, authlib_validate(args.partner, "bao-access", rsa_at))
check("authlib", f"{SVID} RS256", "discovery", True, authlib_validate(JWT_ISS, "bao-svid", rsa_svid))
check("authlib", f"{AT} RS256", "aud other-aud (another audience)", False,
      authlib_validate(args.partner, "bao-access", rsa_other), reason=("aud",))
check_discovery("JWT-SVID RSA", JWT_ISS, f"{JWT_ISS}/keys")
check_discovery("RS256 OAuth", args.partner, f"{args.partner}/.well-known/jwks.json")
check_publish("RS256 key")

# --- The table ----------------------------------------------------------------------------------------------------
print()
print(f"{'relying party':20} {'token kind':22} {'case':54} {'expected':9} {'got':9} result")
print("-" * 128)
for party, kind, case, expect_accept, accepted, ok, _ in RESULTS:
    expected = "accept" if expect_accept else "refuse"
    got = "accepted" if accepted else "refused"
    print(f"{party:20} {kind:22} {case:54} {expected:9} {got:9} {'ok' if ok else 'MISMATCH'}")
failed = [row for row in RESULTS if not row[5]]
print("-" * 128)
print(f"federation-out: {len(RESULTS) - len(failed)} passed, {len(failed)} failed")
for party, kind, case, _, _, _, detail in failed:
    print(f"FAIL: {party} / {kind} / {case}: {detail}", file=sys.stderr)
sys.exit(1 if failed else 0)
