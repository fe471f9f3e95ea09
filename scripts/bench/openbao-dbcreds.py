"""Creates N dynamic PostgreSQL credentials through OpenBao's database secrets engine with C threads, then
revokes every lease (OpenBao drops the roles), and prints rates as JSON. Usage: ADDR TOKEN ROLE N C"""
import json
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

addr, token, role, count, workers = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])


def call(method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(addr + path, data=data, method=method, headers={"X-Vault-Token": token})
    with urllib.request.urlopen(request, timeout=60) as reply:
        text = reply.read()
        return json.loads(text) if text else {}


def create(_):
    return call("GET", f"/v1/database/creds/{role}")["lease_id"]


def revoke(lease):
    call("PUT", "/v1/sys/leases/revoke", {"lease_id": lease, "sync": True})


with ThreadPoolExecutor(workers) as pool:
    started = time.perf_counter()
    leases = list(pool.map(create, range(count)))
    create_seconds = time.perf_counter() - started
    started = time.perf_counter()
    list(pool.map(revoke, leases))
    drop_seconds = time.perf_counter() - started
print(json.dumps({
    "credentials": len(leases),
    "credential_create_per_second": len(leases) / create_seconds,
    "credential_drop_seconds": drop_seconds,
    "credential_cycle_per_second": len(leases) / (create_seconds + drop_seconds),
}))
