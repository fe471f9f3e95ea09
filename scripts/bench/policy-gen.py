#!/usr/bin/env python3
"""Generates a policy set, an entity hierarchy and requests for scripts/bench/policy.

policies: permit(principal == Workload::"svc-N", action == Action::"read", resource in Dataset::"d-N")
          when { context.env == "prod" };
entities: Workload svc-i in Team team-(i%T) in Org "acme"; Dataset d-i in Domain dom-(i%D);
          Table t-i-k (k < 3) in Dataset d-i; Action read/write.
requests: a random workload reading a table of its own dataset (half) or a random one,
          in prod (80%) or dev.
"""
import json, os, random, sys

n, out, count = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
rng = random.Random(42 + n)
os.makedirs(out, exist_ok=True)
teams, domains = max(1, n // 20), max(1, n // 50)

with open(os.path.join(out, "policies.cedar"), "w") as f:
    for i in range(n):
        f.write(f'permit(principal == Workload::"svc-{i}", action == Action::"read", resource in Dataset::"d-{i}") '
                f'when {{ context.env == "prod" }};\n')

def uid(t, i): return {"type": t, "id": i}
ents = [{"uid": uid("Org", "acme"), "attrs": {"name": "Acme"}, "parents": []}]
ents += [{"uid": uid("Team", f"team-{t}"), "attrs": {}, "parents": [uid("Org", "acme")]} for t in range(teams)]
ents += [{"uid": uid("Domain", f"dom-{d}"), "attrs": {}, "parents": []} for d in range(domains)]
ents += [{"uid": uid("Action", a), "attrs": {}, "parents": []} for a in ("read", "write")]
for i in range(n):
    ents.append({"uid": uid("Workload", f"svc-{i}"),
                 "attrs": {"kind": "service", "env": "prod", "owner": f"owner-{i % 97}"},
                 "parents": [uid("Team", f"team-{i % teams}")]})
    ents.append({"uid": uid("Dataset", f"d-{i}"), "attrs": {"classification": "internal"},
                 "parents": [uid("Domain", f"dom-{i % domains}")]})
    for k in range(3):
        ents.append({"uid": uid("Table", f"t-{i}-{k}"), "attrs": {}, "parents": [uid("Dataset", f"d-{i}")]})
with open(os.path.join(out, "entities.json"), "w") as f:
    json.dump(ents, f)

reqs = []
for _ in range(count):
    i = rng.randrange(n)
    j = i if rng.random() < 0.5 else rng.randrange(n)
    reqs.append({"principal": uid("Workload", f"svc-{i}"), "action": uid("Action", "read"),
                 "resource": uid("Table", f"t-{j}-{rng.randrange(3)}"),
                 "context": {"env": "prod" if rng.random() < 0.8 else "dev"}})
with open(os.path.join(out, "requests.json"), "w") as f:
    json.dump(reqs, f)
