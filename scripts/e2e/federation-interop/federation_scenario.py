"""Federation end-to-end with parties nobody on this project wrote.

oidc-provider-mock is the organisation's IdP (people sign in through Tessera as relying party) and, in a
second instance, a stand-in CI issuer; authlib performs every RFC 8693 token exchange (the acting workload
authenticates with private_key_jwt). Scenario: a person signs in, starts a task, delegates it to an AI agent;
the agent exchanges for a token to call a tool; the tool exchanges again to reach the database; the final
token carries sub = the person and act = tool -> agent. One more hop exceeds the depth limit and is refused.
Exit status 0 only if every check holds.
"""
import hashlib
import json
import subprocess
import sys
import time
from urllib.parse import parse_qs, urlparse

import requests
from authlib.integrations.requests_client import OAuth2Session
from authlib.oauth2.rfc7523 import PrivateKeyJWT
from joserfc.jwk import ECKey

TE = "urn:ietf:params:oauth:grant-type:token-exchange"
AT = "urn:ietf:params:oauth:token-type:access_token"
ID = "urn:ietf:params:oauth:token-type:id_token"

base, idp, ci, work, tessera = sys.argv[1:6]
token_endpoint = base + "/oauth2/token"


def claims(token):
    import base64
    part = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def workload(name):
    """An authlib client acting as the workload `name` (private_key_jwt with its EC key)."""
    key = ECKey.import_key(open(f"{work}/{name}.key").read())
    auth = PrivateKeyJWT(token_endpoint, alg="ES256", claims={"exp": int(time.time()) + 120})
    return OAuth2Session(f"spiffe://example.org/{name}", key, token_endpoint_auth_method=auth)


def exchange(session, subject, subject_type, audience, **extra):
    return session.fetch_token(
        token_endpoint, grant_type=TE, subject_token=subject, subject_token_type=subject_type, audience=audience,
        requested_token_type=AT, **extra)


# 1. A person signs in: Tessera is the OIDC relying party (code + PKCE); the browser is played by requests.
requests.put(f"{idp}/users/alice@example.com", json={"email": "alice@example.com", "groups": ["ops"]}, timeout=10).raise_for_status()
browser = requests.Session()
r = browser.get(base + "/auth/login", allow_redirects=False, timeout=10)
assert r.status_code == 302, r.text
assert "tessera_signin" in browser.cookies, r.headers  # the sign-in is bound to this browser
authorize = r.headers["Location"]
q = parse_qs(urlparse(authorize).query)
assert q["code_challenge_method"] == ["S256"] and q["nonce"] and q["state"], q
r = browser.post(authorize, data={"sub": "alice@example.com"}, allow_redirects=False, timeout=10)
assert r.status_code in (302, 303), r.text
callback = r.headers["Location"]
assert callback.startswith(base + "/auth/callback"), callback
r = browser.get(callback, allow_redirects=False, timeout=10)
assert r.status_code == 200, r.text  # the session is in the body, never in a URL
signed_in = r.json()
session_token, role = signed_in["session_token"], signed_in["role"]
assert role == "operator", role
# People are keyed on (iss, sub): human:<first 8 bytes of SHA-256(iss), hex>:<sub>.
alice = "human:" + hashlib.sha256(idp.encode()).hexdigest()[:16] + ":alice@example.com"
assert claims(session_token)["sub"] == alice, claims(session_token)
print(f"signed in: {alice} as operator")
admin = {"Authorization": f"Bearer {session_token}"}
assert requests.post(base + "/v1/identities", json={}, headers=admin, timeout=10).status_code == 403

# 2. She starts a task and delegates it to the agent.
task = requests.post(base + "/v1/tasks", headers=admin, timeout=10, json={
    "intent": "reconcile invoices", "scopes": ["invoices:read"], "ttl": 900,
    "identities": ["spiffe://example.org/agent", "spiffe://example.org/tool", "spiffe://example.org/db"]})
assert task.status_code == 201, task.text
task = task.json()
assert task["initiator"] == alice, task
d = requests.post(base + "/v1/delegations", headers=admin, timeout=10,
                  json={"task_id": task["id"], "actor": "spiffe://example.org/agent"})
assert d.status_code == 201, d.text
delegation = d.json()["delegation_token"]

# 3. The agent exchanges the delegation for a token to call the tool (authlib, private_key_jwt).
t1 = exchange(workload("agent"), delegation, AT, "spiffe://example.org/tool")
c1 = claims(t1["access_token"])
assert c1["sub"] == alice and c1["act"] == {"sub": "spiffe://example.org/agent"}, c1
assert c1["task_id"] == task["id"] and c1["scope"] == "invoices:read", c1
assert t1["issued_token_type"] == AT

# 4. The tool exchanges again to reach the database: the chain grows.
t2 = exchange(workload("tool"), t1["access_token"], AT, "spiffe://example.org/db")
c2 = claims(t2["access_token"])
assert c2["sub"] == alice, c2
assert c2["act"] == {"sub": "spiffe://example.org/tool", "act": {"sub": "spiffe://example.org/agent"}}, c2
assert c2["exp"] <= c1["exp"] and c2["task_id"] == task["id"], (c1, c2)
print(subprocess.run([tessera, "token", "inspect", t2["access_token"]], capture_output=True, text=True, check=True).stdout)

# 5. The database trying to add itself exceeds the depth limit (server runs with --max-delegation-depth 2).
try:
    exchange(workload("db"), t2["access_token"], AT, "https://reports.internal")
    raise AssertionError("a third actor was accepted")
except Exception as error:  # authlib raises OAuthError
    assert "invalid_grant" in str(error) and "deep" in str(error), error
print("depth limit enforced: a third actor is refused")

# 6. Widening scope is refused.
try:
    exchange(workload("tool"), t1["access_token"], AT, "spiffe://example.org/db", scope="invoices:read invoices:write")
    raise AssertionError("scope widened")
except Exception as error:
    assert "invalid_scope" in str(error), error

# 7. A CI job (second oidc-provider-mock) federates: its ID token maps by rule to the deployer identity.
requests.put(f"{ci}/users/job-acme-billing-main",
             json={"repository": "acme/billing", "ref": "refs/heads/main"}, timeout=10).raise_for_status()


def ci_id_token(sub):
    ci_client = OAuth2Session("tessera", redirect_uri="http://127.0.0.1:9/cb", scope="openid",
                              code_challenge_method="S256")
    from authlib.common.security import generate_token
    verifier = generate_token(48)
    url, state = ci_client.create_authorization_url(f"{ci}/oauth2/authorize", code_verifier=verifier, nonce="n-1")
    r = requests.post(url, data={"sub": sub}, allow_redirects=False, timeout=10)
    code = parse_qs(urlparse(r.headers["Location"]).query)["code"][0]
    token = ci_client.fetch_token(f"{ci}/oauth2/token", code=code, code_verifier=verifier)
    return token["id_token"]


anonymous = OAuth2Session("ci-job", token_endpoint_auth_method="none")
federated = anonymous.fetch_token(token_endpoint, grant_type=TE, subject_token=ci_id_token("job-acme-billing-main"),
                                  subject_token_type=ID, scope="deploy")
cf = claims(federated["access_token"])
assert cf["sub"] == "spiffe://example.org/deployer" and "act" not in cf and cf["scope"] == "deploy", cf
print("CI token from the stand-in issuer mapped to spiffe://example.org/deployer")
try:
    anonymous.fetch_token(token_endpoint, grant_type=TE, subject_token=ci_id_token("job-evil-fork"),
                          subject_token_type=ID)
    raise AssertionError("unmapped CI token accepted")
except Exception as error:
    assert "invalid_grant" in str(error) and "no claim-mapping rule" in str(error), error
print("federation interop: all checks passed")
