#!/usr/bin/env python3
"""Times cedarpy (Rust Cedar) on the generated files, with a pre-parsed PolicySet and Entities.

Reports two numbers per decision: Cedar's own `authz_duration_micros` metric (the Rust
authorization call only, integer microseconds) and the wall time of the whole Python
`is_authorized` call (adds request building and the Python/Rust boundary).
"""
import json, sys, time
import cedarpy

d, total = sys.argv[1], int(sys.argv[2])
text = open(f"{d}/policies.cedar").read()
t0 = time.perf_counter()
ps = cedarpy.PolicySet.from_str(text)
parse_ms = (time.perf_counter() - t0) * 1000
ents = cedarpy.Entities.from_json_str(open(f"{d}/entities.json").read())
reqs = json.load(open(f"{d}/requests.json"))
def req(r):
    return {"principal": f'{r["principal"]["type"]}::"{r["principal"]["id"]}"',
            "action": f'{r["action"]["type"]}::"{r["action"]["id"]}"',
            "resource": f'{r["resource"]["type"]}::"{r["resource"]["id"]}"', "context": r["context"]}
reqs = [req(r) for r in reqs]
allows = sum(1 for r in reqs if cedarpy.is_authorized(r, ps, ents).allowed)
authz, wall = [], []
for i in range(total):
    r = reqs[i % len(reqs)]
    s = time.perf_counter()
    res = cedarpy.is_authorized(r, ps, ents)
    wall.append((time.perf_counter() - s) * 1e6)
    authz.append(res.metrics["authz_duration_micros"])
def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, len(xs) * p // 100)]
print(json.dumps({"parse_ms": parse_ms, "authz_median_us": pct(authz, 50), "authz_p99_us": pct(authz, 99),
                  "wall_median_us": pct(wall, 50), "wall_p99_us": pct(wall, 99), "allows": allows, "requests": len(reqs)}))
