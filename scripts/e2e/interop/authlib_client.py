"""Interop check with clients nobody on this project wrote.

authlib requests a token with client_credentials + private_key_jwt (RFC 7523); PyJWT validates it
against the server's JWKS exactly as a resource server would (issuer, audience, expiry, typ).
Exit status 0 only if every check holds.
"""
import sys
import time

import jwt
import requests
from authlib.integrations.requests_client import OAuth2Session
from authlib.oauth2.rfc7523 import PrivateKeyJWT
from joserfc.jwk import ECKey

base, client_id, key_file, admin_token = sys.argv[1:5]
token_endpoint = base + "/oauth2/token"
private_key = open(key_file).read()
ec_key = ECKey.import_key(private_key)  # authlib assumes RSA unless handed a key object

metadata = requests.get(base + "/.well-known/oauth-authorization-server", timeout=10).json()
assert metadata["token_endpoint"] == token_endpoint, metadata
assert "private_key_jwt" in metadata["token_endpoint_auth_methods_supported"]

# authlib signs assertions valid for an hour by default; Tessera accepts at most five minutes.
auth = PrivateKeyJWT(token_endpoint, alg="ES256", claims={"exp": int(time.time()) + 120})
session = OAuth2Session(client_id, ec_key, token_endpoint_auth_method=auth, scope="invoices:read")
token = session.fetch_token(token_endpoint, grant_type="client_credentials")
assert token["token_type"].lower() == "bearer", token
assert token["scope"] == "invoices:read", token

access_token = token["access_token"]
header = jwt.get_unverified_header(access_token)
assert header["typ"] == "at+jwt" and header["alg"] == "ES256", header
signing_key = jwt.PyJWKClient(metadata["jwks_uri"]).get_signing_key_from_jwt(access_token)
claims = jwt.decode(
    access_token, signing_key.key, algorithms=["ES256"], audience=base, issuer=base,
    options={"require": ["exp", "iat", "jti", "sub", "aud", "iss"]},
)
assert claims["sub"] == client_id and claims["client_id"] == client_id, claims

# A wrong audience must fail validation on the resource-server side.
try:
    jwt.decode(access_token, signing_key.key, algorithms=["ES256"], audience="https://elsewhere", issuer=base)
    raise AssertionError("token accepted for the wrong audience")
except jwt.InvalidAudienceError:
    pass

# The same assertion cannot be replayed: authlib with a fixed jti.
replay = PrivateKeyJWT(token_endpoint, alg="ES256", claims={"exp": int(time.time()) + 120, "jti": "interop-fixed"})
first = OAuth2Session(client_id, ec_key, token_endpoint_auth_method=replay).fetch_token(
    token_endpoint, grant_type="client_credentials")
assert "access_token" in first
again = requests.post(token_endpoint, data={
    "grant_type": "client_credentials",
    "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
    "client_assertion": jwt.encode({"iss": client_id, "sub": client_id, "aud": token_endpoint, "jti": "interop-fixed",
                                    "exp": int(time.time()) + 120}, private_key, algorithm="ES256"),
}, timeout=10)
assert again.status_code == 401 and again.json()["error"] == "invalid_client", again.text

introspection = requests.post(base + "/oauth2/introspect", data={"token": access_token},
                              headers={"Authorization": "Bearer " + admin_token}, timeout=10).json()
assert introspection["active"] is True and introspection["sub"] == client_id, introspection
requests.post(base + "/oauth2/revoke", data={"token": access_token},
              headers={"Authorization": "Bearer " + admin_token}, timeout=10).raise_for_status()
introspection = requests.post(base + "/oauth2/introspect", data={"token": access_token},
                              headers={"Authorization": "Bearer " + admin_token}, timeout=10).json()
assert introspection == {"active": False}, introspection

print("interop OK: authlib obtained a token with private_key_jwt; PyJWT verified it against the JWKS;"
      " replay refused; introspection and revocation agree")
