"""Creates one dynamic PostgreSQL credential per prepared task token through Tessera's POST /v1/secrets/postgres with C
threads, the same client code as openbao-dbcreds.py (urllib, one connection per request, a thread pool), so both sides
are measured by one client. Then ends every task (untimed; the roles are dropped by Tessera's release loop).
Prints JSON. Usage: ADDR ADMIN_TOKEN TOKENS_FILE ROLE C (TOKENS_FILE from `tessera bench leases --tokens-out`)."""
import json
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

addr, admin_token, tokens_file, role, workers = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
with open(tokens_file) as handle:
    prepared = json.load(handle)


def call(method, path, token, body=None):
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Authorization": f"Bearer {token}"}
    if data is not None:
        headers["Content-Type"] = "application/json"
    request = urllib.request.Request(addr + path, data=data, method=method, headers=headers)
    with urllib.request.urlopen(request, timeout=60) as reply:
        text = reply.read()
        return json.loads(text) if text else {}


def create(item):
    return call("POST", "/v1/secrets/postgres", item["token"], {"role": role})["username"]


def end(item):
    call("POST", f"/v1/tasks/{item['task']}/end", admin_token, {"reason": "benchmark finished"})


with ThreadPoolExecutor(workers) as pool:
    started = time.perf_counter()
    names = list(pool.map(create, prepared))
    create_seconds = time.perf_counter() - started
    list(pool.map(end, prepared))
print(json.dumps({"credentials": len(names), "credential_create_per_second": len(names) / create_seconds}))
