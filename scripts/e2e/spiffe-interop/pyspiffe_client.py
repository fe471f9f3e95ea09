"""Interop: py-spiffe (a Workload API client nobody here wrote) against `tessera agent`.

Usage: SPIFFE_ENDPOINT_SOCKET=unix:///path python pyspiffe_client.py EXPECTED_SPIFFE_ID OUT_DIR
Fetches an X.509-SVID, the X.509 and JWT bundles, a JWT-SVID, validates the JWT-SVID both locally (with
the fetched JWT bundle) and through the agent, and writes svid.pem / bundle.pem for `openssl verify`.
"""
import os
import sys

from cryptography.hazmat.primitives import serialization
from spiffe import JwtSource, WorkloadApiClient, X509Source

expected, out = sys.argv[1], sys.argv[2]
client = WorkloadApiClient()

svid = client.fetch_x509_svid()
assert str(svid.spiffe_id) == expected, f"X.509-SVID is {svid.spiffe_id}, expected {expected}"
leaf = svid.leaf
print(f"x509-svid  {svid.spiffe_id}  expires {leaf.not_valid_after_utc.isoformat()}")

bundles = client.fetch_x509_bundles()
td = svid.spiffe_id.trust_domain
bundle = bundles.get_bundle_for_trust_domain(td)
assert bundle is not None and len(bundle.x509_authorities) >= 1, "no X.509 bundle for the trust domain"
print(f"x509-bundle {td}: {len(bundle.x509_authorities)} authorities")

with open(os.path.join(out, "svid.pem"), "wb") as f:
    for cert in svid.cert_chain:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
with open(os.path.join(out, "bundle.pem"), "wb") as f:
    for cert in bundle.x509_authorities:
        f.write(cert.public_bytes(serialization.Encoding.PEM))

jwt_svid = client.fetch_jwt_svid(audience={"interop-db"})
assert str(jwt_svid.spiffe_id) == expected
print(f"jwt-svid   {jwt_svid.spiffe_id}  aud {sorted(jwt_svid.audience)}")

jwt_bundles = client.fetch_jwt_bundles()
jwt_bundle = jwt_bundles.get_bundle_for_trust_domain(td)
assert jwt_bundle is not None and len(jwt_bundle.jwt_authorities) >= 1, "no JWT bundle"
from spiffe import JwtSvid
parsed = JwtSvid.parse_and_validate(jwt_svid.token, jwt_bundle, {"interop-db"})
assert str(parsed.spiffe_id) == expected
print(f"jwt-svid validated locally with the fetched JWT bundle ({len(jwt_bundle.jwt_authorities)} keys)")

validated = client.validate_jwt_svid(jwt_svid.token, "interop-db")
assert str(validated.spiffe_id) == expected
print("jwt-svid validated by the agent (ValidateJWTSVID)")

try:
    client.validate_jwt_svid(jwt_svid.token, "someone-else")
    raise SystemExit("a JWT-SVID for another audience was accepted")
except Exception as error:  # noqa: BLE001 - any refusal is the expected outcome
    if isinstance(error, SystemExit):
        raise
    print("wrong audience refused:", type(error).__name__)

with X509Source() as source:
    assert str(source.get_x509_context().default_svid.spiffe_id) == expected
print("X509Source streaming OK")
client.close()
print("py-spiffe interop: OK")
