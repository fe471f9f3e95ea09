#!/usr/bin/env python3
"""Differential tests of TesseraPolicy against Rust Cedar (cedarpy) on randomly mutated inputs.

Seeds come from a folder laid out like the unpacked conformance corpus (<hash>.cedar,
<hash>.cedarschema). Mutations use a fixed random seed, so runs are reproducible.

    .venv/bin/python scripts/bench/policy-diff.py policies SEED_DIR [COUNT]   # parser acceptance
    .venv/bin/python scripts/bench/policy-diff.py schema   SEED_DIR [COUNT]   # schema parser acceptance
    .venv/bin/python scripts/bench/policy-diff.py validate SEED_DIR [COUNT]   # strict validation verdicts
    .venv/bin/python scripts/bench/policy-diff.py authorize SEED_DIR [COUNT]  # decisions, reasons, erroring ids
    .venv/bin/python scripts/bench/policy-diff.py extensions - [COUNT]        # ip/decimal/datetime/duration values
    .venv/bin/python scripts/bench/policy-diff.py json SEED_DIR [COUNT]       # JSON policy format == text format

Needs scripts/bench/policy-swift built in release mode (scripts/bench/policy does that).
"""
import glob, json, os, random, re, subprocess, sys
import cedarpy

mode, seed_dir = sys.argv[1], sys.argv[2]
count = int(sys.argv[3]) if len(sys.argv) > 3 else 5000
here = os.path.dirname(os.path.abspath(__file__))
rng = random.Random(1234)

def read(p):
    return open(p, encoding="utf-8", errors="replace").read()

if mode == "extensions":
    def digits(n): return "".join(rng.choice("0123456789") for _ in range(n))
    def ip():
        if rng.random() < 0.5:
            parts = [str(rng.randrange(256 if rng.random() < 0.95 else 300)) if rng.random() < 0.95 else "0" + digits(rng.randrange(1, 3))
                     for _ in range(rng.choice([3, 4, 4, 4, 4, 4, 5]))]
            s = ".".join(parts)
        else:
            groups = ["%x" % rng.randrange(0x10000) if rng.random() < 0.95 else rng.choice(["", "0", "ffff", "FFFF", "00000", "g"])
                      for _ in range(rng.choice([3, 6, 8, 8, 8, 9]))]
            if len(groups) == 8 or rng.random() < 0.2:
                s = ":".join(groups)
            else:
                i = rng.randrange(len(groups) + 1); s = ":".join(groups[:i]) + "::" + ":".join(groups[i:])
            if rng.random() < 0.05: s += ":1.2.3.4"
        if rng.random() < 0.4: s += "/" + rng.choice([str(rng.randrange(140)), "0" + digits(1), "", "a"])
        if rng.random() < 0.03: s = rng.choice([" ", "%eth0", "x"]) + s
        return s
    def dec():
        s = rng.choice(["", "-", "-", "+", "--"][: 3 if rng.random() < 0.9 else 5]) + digits(rng.choice([0, 1, 2, 5, 15, 16, 20]))
        if rng.random() < 0.9: s += "." + digits(rng.choice([0, 1, 2, 4, 4, 5]))
        return s
    def dt():
        s = f"{digits(rng.choice([4, 4, 4, 3, 5]))}-{rng.randrange(0, 14):02d}-{rng.randrange(0, 33):02d}"
        if rng.random() < 0.6: s = f"{digits(4)}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 32):02d}"
        if rng.random() < 0.7:
            sane = rng.random() < 0.8
            s += rng.choice(["T"] * 8 + ["t", " "]) + f"{rng.randrange(0, 24 if sane else 26):02d}:{rng.randrange(0, 60 if sane else 62):02d}:{rng.randrange(0, 60 if sane else 62):02d}"
            if rng.random() < 0.4: s += "." + digits(rng.choice([3, 3, 2, 4]))
            s += rng.choice(["Z", "Z", "Z", "z", "", f"+{rng.randrange(0, 26):02d}{rng.randrange(0, 62):02d}",
                             f"-{rng.randrange(0, 24):02d}{rng.randrange(0, 60):02d}", f"+{rng.randrange(0, 24):02d}{rng.randrange(0, 60):02d}", "+01:00"])
        return s
    def dur():
        units = ["d", "h", "m", "s", "ms"]
        chosen = sorted(rng.sample(range(5), rng.randrange(1, 4)))
        if rng.random() < 0.1: rng.shuffle(chosen)
        s = ("-" if rng.random() < 0.3 else "") + "".join(digits(rng.choice([1, 2, 3, 5, 10, 19, 20])) + units[i] for i in chosen)
        return s if rng.random() > 0.03 else rng.choice(["", "-", "1", "1D", "1.5h", "1d "])
    def q(x): return json.dumps(x)
    exprs = []
    while len(exprs) < count:
        k = rng.randrange(4)
        if k == 0:
            a = q(ip())
            exprs += [f"ip({a})", f"ip({a}).isIpv4()", f"ip({a}).isLoopback()", f"ip({a}).isMulticast()", f"ip({a}).isInRange(ip({q(ip())}))"]
        elif k == 1:
            a = q(dec())
            exprs += [f"decimal({a})", f"decimal({a}).lessThan(decimal({q(dec())}))"]
        elif k == 2:
            a = q(dt())
            exprs += [f"datetime({a})", f"datetime({a}).toDate()", f"datetime({a}).toTime()",
                      f"datetime({a}).durationSince(datetime({q(dt())}))", f"datetime({a}).offset(duration({q(dur())}))"]
        else:
            a = q(dur())
            exprs += [f"duration({a})", f"duration({a}).toDays()", f"duration({a}).toHours()", f"duration({a}).toSeconds()"]
    out = subprocess.run([f"{here}/policy-swift/.build/release/PolicyDiff", "eval"], input=json.dumps(exprs),
                         capture_output=True, text=True, check=True).stdout.splitlines()
    req = {"principal": 'U::"p"', "action": 'Action::"a"', "resource": 'U::"r"', "context": {}}
    agree, bad, ok_count = 0, [], 0
    for e, line in zip(exprs, out):
        ours = json.loads(line)
        if ours["ok"]:
            ok_count += 1
            r = cedarpy.is_authorized(req, f"permit(principal, action, resource) when {{ ({e}) == ({ours['value']}) }};", [])
            good = r.allowed and not r.diagnostics.errors
        else:
            r = cedarpy.is_authorized(req, f"permit(principal, action, resource) when {{ ({e}) == ({e}) }};", [])
            good = bool(r.diagnostics.errors)
        if good: agree += 1
        else: bad.append((e, ours, [str(x)[:200] for x in r.diagnostics.errors]))
    print(f"extensions: {len(exprs)} expressions ({ok_count} evaluate without error), {agree} agree with Rust Cedar, {len(bad)} disagree")
    for b in bad[:15]: print("----", *b, sep="\n")
    sys.exit(0)

policy_files = sorted(glob.glob(f"{seed_dir}/**/*.cedar", recursive=True))
policies = [read(p) for p in policy_files]
schemas = [read(p) for p in sorted(glob.glob(f"{seed_dir}/**/*.cedarschema", recursive=True))]
frags = ["(", ")", "{", "}", "[", "]", ",", ";", "::", '"', "*", "-", "!", "&&", "||", "==", "<", " in ", " is ", " has ",
         " like ", "if ", " then ", " else ", ".", "principal", "?principal", "@id(\"x\")", "9223372036854775808", "\\u{48}",
         " when ", " unless ", "true", "1", "ip(\"::1\")", ".contains(", "context", "Action::\"a\"", "User::\"u\"",
         "Set<", ">", "?", "entity ", "action ", "type ", "namespace ", " appliesTo ", " tags ", " enum ", "Long", "String"]

def mutate(s, pool, max_ops=3):
    b = list(s)
    for _ in range(1 + rng.randrange(max_ops)):
        pos = rng.randrange(len(b) + 1)
        op = rng.randrange(4)
        if op == 0 and b: b[min(pos, len(b) - 1)] = rng.choice(frags)
        elif op == 1: b[pos:pos] = list(rng.choice(frags))
        elif op == 2 and b: del b[pos:pos + 1 + rng.randrange(8)]
        else:
            o = rng.choice(pool)
            f = rng.randrange(len(o) + 1)
            b[pos:pos] = list(o[f:f + rng.randrange(40)])
    return "".join(b)

def cedar_ok(item):
    try:
        if mode == "policies":
            cedarpy.PolicySet.from_str(item)
        elif mode == "schema":
            cedarpy.Schema.from_str(item)
        elif mode == "authorize":
            out = []
            for r in item[3]:
                res = cedarpy.is_authorized(r, item[1], item[2], item[0])
                out.append({"decision": "allow" if res.allowed else "deny", "reasons": sorted(res.diagnostics.reasons),
                            "errors": sorted(set(re.search(r"policy `(.*?)`", str(e)).group(1) for e in res.diagnostics.errors))})
            return out, None
        else:
            res = cedarpy.validate_policies(item[1], item[0])
            return bool(res.validation_passed), None if res.validation_passed else str(res.errors)[:300]
        return True, None
    except Exception as e:
        return False, str(e)[:300]

if mode == "json":
    inputs = []
    candidates = policies + [mutate(rng.choice(policies), policies) for _ in range(count)]
    for text in candidates:
        if len(inputs) >= count: break
        try:
            inputs.append([text, cedarpy.policies_to_json_str(text)])
        except Exception:
            continue
    out = subprocess.run([f"{here}/policy-swift/.build/release/PolicyDiff", "json"], input=json.dumps(inputs),
                         capture_output=True, text=True, check=True).stdout.splitlines()
    bad = [(i, json.loads(l)) for i, l in zip(inputs, out) if not json.loads(l)["ok"]]
    print(f"json: {len(inputs)} policy sets converted by Rust Cedar to JSON, {len(inputs) - len(bad)} parse to the same policies, {len(bad)} differ")
    for i, l in bad[:5]: print("----", i[0][:500], l, sep="\n")
    sys.exit(0)

if mode == "policies":
    inputs = [mutate(rng.choice(policies), policies) for _ in range(count)]
elif mode == "schema":
    inputs = [mutate(rng.choice(schemas), schemas) for _ in range(count)]
elif mode == "authorize":
    inputs = []
    while len(inputs) < count:
        i = rng.randrange(len(policy_files))
        base = policy_files[i][:-len(".cedar")]
        if not os.path.exists(base + ".json"):
            continue
        test = json.load(open(base + ".json"))
        text = mutate(policies[i], policies, 2)
        try:
            cedarpy.PolicySet.from_str(text)
        except Exception:
            continue
        reqs = [{k: r[k] for k in ("principal", "action", "resource", "context")} for r in test["requests"]]
        inputs.append([read(base + ".cedarschema"), text, read(base + ".entities.json"), reqs])
else:
    inputs = []
    while len(inputs) < count:
        i = rng.randrange(len(policy_files))
        schema_path = policy_files[i][:-len(".cedar")] + ".cedarschema"
        if not os.path.exists(schema_path):
            continue
        text = mutate(policies[i], policies, 2)
        try:
            cedarpy.PolicySet.from_str(text)  # keep only inputs that parse, so validation is what differs
        except Exception:
            continue
        inputs.append([read(schema_path), text])

out = subprocess.run([f"{here}/policy-swift/.build/release/PolicyDiff", mode], input=json.dumps(inputs),
                     capture_output=True, text=True, check=True).stdout.splitlines()
agree, disagree, accepted = 0, [], 0
for item, line in zip(inputs, out):
    ours = json.loads(line)
    theirs, err = cedar_ok(item)
    if mode == "authorize":
        theirs, ours = json.dumps(theirs, sort_keys=True), json.dumps(ours.get("results", ours), sort_keys=True)
        accepted += 1
        if ours == theirs:
            agree += 1
        else:
            disagree.append((item, ours, theirs))
        continue
    accepted += theirs
    if ours["ok"] == theirs:
        agree += 1
    else:
        disagree.append((item, ours, err))
print(f"{mode}: {count} mutated inputs ({accepted} accepted by Rust Cedar), {agree} agree, {len(disagree)} disagree")
for item, ours, err in disagree[:10]:
    shown = item if isinstance(item, str) else item[1]
    print("----\n" + shown[:600] + "\nswift:", ours, "\ncedar:", "ok" if err is None else err)
