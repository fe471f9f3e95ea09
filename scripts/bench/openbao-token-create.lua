-- wrk script: OpenBao token creation, ttl 5m, as root (the peer's equivalent of issuing one short-lived token).
wrk.method = "POST"
wrk.headers["X-Vault-Token"] = "root"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"ttl":"5m","policies":["default"]}'
